// What both pages share: the large-text toggle and the server's device, read from /health.

import { api } from "./api.js";
import { $, announce } from "./dom.js";

const LARGE_TEXT_KEY = "gradtrace.largeText";

function initLargeText() {
  const button = $("#large-text-toggle");
  if (!button) return;
  const root = document.documentElement;
  const sync = () => button.setAttribute("aria-pressed", String(root.classList.contains("large-text")));
  sync();
  button.addEventListener("click", () => {
    const on = root.classList.toggle("large-text");
    try { localStorage.setItem(LARGE_TEXT_KEY, on ? "1" : "0"); } catch { /* not persisted */ }
    sync();
    // Charts and the editor measure their boxes; tell them the layout changed.
    window.dispatchEvent(new Event("resize"));
    announce(on ? "Large text on" : "Large text off");
  });
}

/**
 * Fetch /health once, show the device in the header and return the health object
 * (or null when the server is unreachable, so the page still works with CPU defaults).
 */
async function loadHealth() {
  const badge = $("#server-device");
  try {
    const health = await api.health();
    if (badge) {
      const gpu = health.device === "cuda";
      badge.textContent = gpu ? "GPU available" : "CPU only";
      badge.classList.toggle("is-gpu", gpu);
      badge.title = gpu ? "This server can run programs on a CUDA GPU" : "This server runs programs on the CPU";
    }
    return health;
  } catch {
    if (badge) {
      badge.textContent = "server unreachable";
      badge.classList.add("is-error");
    }
    return null;
  }
}

/** Enable the GPU choice of a device <select> when the server has CUDA. */
export function applyDeviceOptions(select, health) {
  if (!select) return;
  const cuda = select.querySelector('option[value="cuda"]');
  if (!cuda) return;
  const available = health?.device === "cuda";
  cuda.disabled = !available;
  cuda.textContent = available ? "GPU (CUDA)" : "GPU (CUDA, not available)";
  if (!available && select.value === "cuda") select.value = "auto";
}

let healthPromise = null;

export function initCommon() {
  initLargeText();
  healthPromise = healthPromise || loadHealth();
  return healthPromise;
}
