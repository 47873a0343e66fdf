// Shareable links: the program travels in the URL fragment (never sent to the server, so links
// work offline and leave no program in server logs).
//
//   #z=<base64url(deflate-raw(utf8 source))>   compressed, when CompressionStream exists
//   #p=<base64url(utf8 source)>                plain, the fallback and always decodable
// plus optional &device=cpu|cuda|auto, &saved=1 and &trace=1.

function toBase64Url(bytes) {
  let binary = "";
  // Chunked: String.fromCharCode(...bigArray) overflows the call stack on long programs.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

const canCompress = typeof CompressionStream === "function" && typeof DecompressionStream === "function";

/** The fragment (without "#") for this program and its options. */
export async function encodeShare({ source, device, showSaved, trace }) {
  const utf8 = new TextEncoder().encode(source);
  let part;
  if (canCompress) {
    part = `z=${toBase64Url(await pipe(utf8, new CompressionStream("deflate-raw")))}`;
  } else {
    part = `p=${toBase64Url(utf8)}`;
  }
  const params = new URLSearchParams();
  if (device && device !== "auto") params.set("device", device);
  if (showSaved) params.set("saved", "1");
  if (trace) params.set("trace", "1");
  const extra = params.toString();
  return extra ? `${part}&${extra}` : part;
}

/**
 * Read a fragment written by encodeShare. Returns {source, device, showSaved, trace} or null when the
 * fragment holds no program; throws when it holds one that cannot be decoded.
 */
export async function decodeShare(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const device = params.get("device") || "auto";
  const showSaved = params.get("saved") === "1";
  const trace = params.get("trace") === "1";
  let bytes;
  if (params.has("z")) {
    if (!canCompress) throw new Error("This browser cannot open compressed links.");
    bytes = await pipe(fromBase64Url(params.get("z")), new DecompressionStream("deflate-raw"));
  } else if (params.has("p")) {
    bytes = fromBase64Url(params.get("p"));
  } else {
    return null;
  }
  const source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  return { source, device, showSaved, trace };
}
