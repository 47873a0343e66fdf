// The big-graph view as data: which nodes show, which are drawn as a collapsed module cluster
// or a folded repeat, and the DOT text of what shows. No DOM here (graph-big.js draws it).
//
// Every node of the JSON graph has one *representative* on screen: itself; a folded repeat
// ("f0", when the node lies in a copy the fold still hides); or the outermost collapsed module
// cluster holding it ("c3"). Edges are drawn between representatives, as e_<source>_<target>
// (the ids graph-layout.js and the server's DOT use), so a real node always keeps the id the
// JSON gives it: <g id="n3" class="node">.

import { tallyBoxes } from "./graph-tally.js";

// A graph with clusters opens with modules expanded one level at a time while the picture stays
// under this many representatives; a module bigger than that stays collapsed.
export const VISIBLE_BUDGET = 50;
// A fold opens its first and last `ends` copies; clicking the rest opens more (4x each time).
const FIRST_ENDS = 1;
// An open module with more children than twice this shows the first and last this many, and
// one box for the rest ("… N more modules"), which shows 4x more at each end when clicked.
const CHILD_ENDS = 12;

const COLORS = { leaf: "lightblue", op: "lightgrey", named: "darkolivegreen1" };

/** DOT string literal for user text: backslashes, quotes, entities and line breaks escaped. */
export function dotString(text) {
  const clean = String(text).replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, " ");
  return `"${clean.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/&/g, "&amp;").replace(/\n/g, "\\n")}"`;
}

export class ClusterModel {
  constructor(graph) {
    this.graph = graph;
    this.nodes = graph.nodes || [];
    this.byId = new Map(this.nodes.map((n) => [n.id, n]));
    this.modules = graph.modules || [];
    this.folds = graph.folds || [];
    // cluster ids are "c<index>" in the modules list; paths are user text, never ids
    this.moduleId = new Map(this.modules.map((m, i) => [m.path, `c${i}`]));
    this.moduleById = new Map(this.modules.map((m, i) => [`c${i}`, m]));
    this.foldById = new Map(this.folds.map((f) => [f.id, f]));
    // node -> [fold, copy index]
    this.foldOf = new Map();
    for (const f of this.folds) f.members.forEach((member, k) => member.forEach((id) => this.foldOf.set(id, [f, k])));
    this.expanded = new Set(); // module paths drawn as open clusters
    this.foldEnds = new Map(); // fold id -> copies shown open at each end (absent: folded)
    this.parentOf = new Map(this.modules.map((m) => [m.path, m.parent]));
    this.childEnds = new Map(); // open module -> children shown at each end (absent: all)
    this.childIndex = new Map();
    for (const m of this.modules) m.children.forEach((c, k) => this.childIndex.set(c, k));
    this.foldCopies = new Set(this.folds.flatMap((f) => f.modules || []).filter(Boolean));
    this.opCount = new Map(); // backward ops inside each module, nested ones included
    for (const n of this.nodes) {
      if (n.kind !== "op") continue;
      for (let p = n.module; p; p = this.parentOf.get(p)) this.opCount.set(p, (this.opCount.get(p) || 0) + 1);
    }
  }

  /** Open modules breadth first, biggest first, while the picture stays under the budget. */
  initialState(budget = VISIBLE_BUDGET) {
    this.expanded.clear();
    this.foldEnds.clear();
    this.childEnds.clear();
    const tally = this.tally();
    let queue = this.modules.filter((m) => m.parent === null);
    let tries = 64;
    while (queue.length && tries > 0) {
      queue.sort((a, b) => b.total_nodes - a.total_nodes);
      const next = [];
      for (const m of queue) {
        if (tries-- <= 0) break;
        if (this.foldCopies.has(m.path)) continue; // a folded copy opens as a box, one level at a time
        if (!this.opCount.get(m.path)) continue; // only parameters, never used: one box is enough
        if (tally.change(m.path, () => this.open(m.path)) > budget) {
          tally.change(m.path, () => this.collapse(m.path));
          continue;
        }
        next.push(...m.children.map((p) => this.modules[this.index(p)]));
      }
      queue = next;
    }
  }

  /** A running count of the boxes drawn while modules open and close (graph-tally.js). */
  tally() { return tallyBoxes(this); }

  index(path) { return Number(this.moduleId.get(path).slice(1)); }

  /** What hides module `path`, looking from the top: the outermost collapsed module ({id: "c4",
   * path}), or an open module with many children that shows only the first and last few
   * ({id: "p4", path: the hidden child}); null when `path` is drawn open. */
  hiddenBy(path) {
    const chain = [];
    for (let p = path; p; p = this.parentOf.get(p)) chain.push(p);
    for (let i = chain.length - 1; i >= 0; i -= 1) {
      const p = chain[i];
      if (!this.expanded.has(p)) return { id: this.moduleId.get(p), path: p };
      const ends = this.childEnds.get(p);
      if (ends !== undefined && i > 0) {
        const k = this.childIndex.get(chain[i - 1]);
        const n = this.modules[this.index(p)].children.length;
        if (k >= ends && k < n - ends) return { id: `p${this.index(p)}`, path: chain[i - 1] };
      }
    }
    return null;
  }

  /** Open module `path`; a module with many children shows the first and last few first. */
  open(path) {
    this.expanded.add(path);
    const n = this.modules[this.index(path)].children.length;
    if (n > 2 * CHILD_ENDS + 1 && !this.childEnds.has(path)) this.childEnds.set(path, CHILD_ENDS);
  }

  /** The id shown for node `id`: itself, a fold, or a collapsed cluster. A fold wholly inside
   * a collapsed cluster is hidden in that cluster; a fold across clusters wins over them. */
  repOf(id) {
    const module = this.byId.get(id)?.module;
    const hider = module ? this.hiddenBy(module) : null;
    const inFold = this.foldOf.get(id);
    if (inFold) {
      const [f, k] = inFold;
      const ends = this.foldEnds.get(f.id);
      const open = ends !== undefined && (k < ends || k >= f.members.length - ends);
      if (!open) {
        const path = this.foldPath(f);
        const inside = hider !== null && path !== null && (path === hider.path || path.startsWith(`${hider.path}.`));
        return inside ? hider.id : f.id;
      }
    }
    return hider !== null ? hider.id : id;
  }

  foldPath(f) {
    if (!this.foldPaths) this.foldPaths = new Map(this.folds.map((x) => [x.id, commonPath(x.modules)]));
    return this.foldPaths.get(f.id);
  }

  visibleCount() {
    const seen = new Set();
    if (this.foldEnds.size) {
      for (const n of this.nodes) seen.add(this.repOf(n.id));
      return seen.size;
    }
    // With every fold closed, nodes of one module and one fold share their representative:
    // count one node per such group (a 50k-node graph has a few thousand groups).
    this.groupHeads();
    for (const id of this.groups) {
      const r = this.repOf(id);
      if (r !== id) seen.add(r);
    }
    // a group drawn as its own nodes shows all of them (outside any module and fold: each one)
    let own = 0;
    for (const id of this.groups) if (this.repOf(id) === id) own += this.groupSize(id);
    return seen.size + own;
  }

  /** Nodes of one module and one fold form a group; returns one node id per group, and fills
   * this.head (node id -> its group's first node id). */
  groupHeads() {
    if (!this.groups) {
      const groups = new Map();
      this.head = new Map();
      this.sizes = new Map();
      for (const n of this.nodes) {
        const key = `${n.module ?? ""}|${this.foldOf.get(n.id)?.[0].id ?? ""}`;
        let head = groups.get(key);
        if (head === undefined) groups.set(key, (head = n.id));
        this.head.set(n.id, head);
        this.sizes.set(head, (this.sizes.get(head) || 0) + 1);
      }
      this.groups = [...groups.values()];
    }
    return this.groups;
  }

  /** repOf() for every node, once per group where the group shares its fate (big graphs). */
  allReps() {
    this.groupHeads();
    const byHead = new Map();
    const rep = new Map();
    for (const n of this.nodes) {
      const inFold = this.foldOf.get(n.id);
      if (inFold && this.foldEnds.has(inFold[0].id)) {
        rep.set(n.id, this.repOf(n.id)); // copies of an opening fold differ one by one
        continue;
      }
      const head = this.head.get(n.id);
      let r = byHead.get(head);
      if (r === undefined) {
        r = this.repOf(head);
        byHead.set(head, r);
      }
      rep.set(n.id, r === head ? n.id : r);
    }
    return rep;
  }

  groupSize(id) {
    this.groupHeads();
    return this.sizes.get(id) || 1;
  }

  /** Open whatever hides node `id` (clusters and folds), so that it is drawn itself. */
  reveal(id) {
    const node = this.byId.get(id);
    for (let p = node?.module; p; p = this.parentOf.get(p)) {
      this.open(p);
      const parent = this.parentOf.get(p);
      const ends = parent ? this.childEnds.get(parent) : undefined;
      if (ends !== undefined) {
        const k = this.childIndex.get(p);
        const n = this.modules[this.index(parent)].children.length;
        this.childEnds.set(parent, Math.max(ends, Math.min(k + 1, n - k)));
      }
    }
    const inFold = this.foldOf.get(id);
    if (inFold) {
      const [f, k] = inFold;
      const ends = this.foldEnds.get(f.id) || 0;
      const need = Math.min(k + 1, f.members.length - k);
      if (need > ends) this.foldEnds.set(f.id, need);
    }
  }

  /** A click on a drawn id: open or close a cluster, open more of a fold. Returns whether the
   * picture changed. */
  toggle(id) {
    const module = this.moduleById.get(id) || this.moduleById.get(id.replace(/^k_/, ""));
    if (module) {
      if (id.startsWith("k_")) this.collapse(module.path);
      else this.open(module.path);
      return true;
    }
    const paged = this.pageOf(id);
    if (paged) {
      const n = paged.children.length;
      this.childEnds.set(paged.path, Math.min(this.childEnds.get(paged.path) * 4, Math.ceil(n / 2)));
      return true;
    }
    const f = this.foldById.get(id);
    if (f) {
      const ends = this.foldEnds.get(f.id);
      const next = ends === undefined ? FIRST_ENDS : ends * 4;
      this.foldEnds.set(f.id, Math.min(next, Math.ceil(f.members.length / 2)));
      return true;
    }
    return false;
  }

  /** Close a cluster and every cluster inside it. */
  collapse(path) {
    for (const p of [...this.expanded]) {
      if (p === path || p.startsWith(`${path}.`)) {
        this.expanded.delete(p);
        this.childEnds.delete(p);
      }
    }
  }

  /** The open module whose hidden children the drawn id "p<k>" stands for, or null. */
  pageOf(id) {
    const m = /^p(\d+)$/.exec(id);
    return m ? this.modules[Number(m[1])] || null : null;
  }

  /** Fold a repeat again. */
  refold(foldId) { this.foldEnds.delete(foldId); }

  /** The container cluster (module path) a drawn id sits in, or null for the top level. */
  containerOf(rep) {
    const module = this.moduleById.get(rep);
    let path;
    if (module) path = module.parent;
    else if (this.pageOf(rep)) path = this.pageOf(rep).path;
    else if (this.foldById.has(rep)) path = this.foldPath(this.foldById.get(rep));
    else path = this.byId.get(rep)?.module ?? null;
    while (path && !this.expanded.has(path)) path = this.parentOf.get(path) ?? null;
    return path || null;
  }

  /** DOT text of the current picture, and the representative of every node. */
  toDot() {
    const rep = this.allReps();
    const shown = new Map(); // rep id -> first node id it stands for
    const hidden = new Map(); // rep id -> node count
    for (const n of this.nodes) {
      const r = rep.get(n.id);
      if (!shown.has(r)) shown.set(r, n.id);
      hidden.set(r, (hidden.get(r) || 0) + 1);
    }
    const members = new Map(); // container path ("" top) -> lines
    const add = (path, line) => {
      const key = path || "";
      if (!members.has(key)) members.set(key, []);
      members.get(key).push(line);
    };
    for (const r of shown.keys()) add(this.containerOf(r), this.nodeLine(r, hidden.get(r)));
    const edges = new Map();
    for (const e of this.graph.edges || []) {
      const s = rep.get(e.source);
      const t = rep.get(e.target);
      if (s === undefined || t === undefined || s === t) continue;
      const key = `${s} ${t}`;
      const real = s === e.source && t === e.target;
      edges.set(key, { s, t, count: real ? e.count : 1 });
    }
    const lines = [
      "digraph gradtrace {",
      "\tgraph [nodesep=0.3 ranksep=0.25 fontname=Courier fontsize=10]",
      "\tnode [fontname=Courier fontsize=10 height=0.2 shape=box style=filled]",
      "\tedge [arrowsize=0.7]",
    ];
    const emit = (path, indent) => {
      for (const line of members.get(path || "") || []) lines.push(`${indent}${line}`);
      const children = path ? this.modules[this.index(path)].children : this.modules.filter((m) => m.parent === null).map((m) => m.path);
      for (const child of children) {
        if (!this.expanded.has(child)) continue;
        const m = this.modules[this.index(child)];
        const cid = this.moduleId.get(child);
        lines.push(`${indent}subgraph cluster_${cid} {`);
        lines.push(`${indent}\tid=k_${cid} label=${dotString(`${child} · ${m.class}`)} labeljust=l style="rounded,filled" fillcolor="#f8fafc" color="#94a3b8"`);
        emit(child, `${indent}\t`);
        lines.push(`${indent}}`);
      }
    };
    emit(null, "\t");
    for (const { s, t, count } of edges.values()) {
      const label = count > 1 ? ` label=${dotString(`×${count}`)}` : "";
      lines.push(`\t${s} -> ${t} [id=e_${s}_${t}${label}]`);
    }
    lines.push("}");
    return { dot: lines.join("\n"), rep, count: shown.size };
  }

  nodeLine(r, count) {
    const holdsRoot = this.graph.root_id && r !== this.graph.root_id && this.repOf(this.graph.root_id) === r;
    const line = this.pseudoLine(r);
    return line ? line.replace(/\]$/, holdsRoot ? " penwidth=2.5]" : "]") : this.realLine(r);
  }

  pseudoLine(r) {
    const module = this.moduleById.get(r);
    if (module) {
      const label = `${module.class}\n${module.path}\n${module.total_nodes} nodes`;
      return `${r} [id=${r} label=${dotString(label)} shape=box3d fillcolor="#e0e7ff" color="#4338ca"]`;
    }
    const paged = this.pageOf(r);
    if (paged) {
      const hidden = paged.children.length - 2 * this.childEnds.get(paged.path);
      const label = `… ${hidden} more modules\nof ${paged.path}`;
      return `${r} [id=${r} label=${dotString(label)} shape=box3d style="filled,dashed" fillcolor="#eef2ff" color="#4338ca"]`;
    }
    const f = this.foldById.get(r);
    if (f) {
      const ends = this.foldEnds.get(f.id) || 0;
      const label = `${f.label}\n× ${f.count - 2 * ends}${ends ? " more" : ""}`;
      return `${r} [id=${r} label=${dotString(label)} peripheries=2 fillcolor="#fef3c7" color="#b45309"]`;
    }
    return null;
  }

  realLine(r) {
    const n = this.byId.get(r);
    const fill = n.kind === "leaf" ? COLORS.leaf : n.vars?.length ? COLORS.named : COLORS.op;
    const style = n.is_view ? ' style="filled,dashed"' : "";
    const root = this.graph.root_id === r ? " penwidth=2.5" : "";
    return `${r} [id=${r} label=${dotString(n.label)} fillcolor=${fill}${style}${root}]`;
  }
}

/** The longest common dotted prefix of module paths (null if any is null or none is shared). */
export function commonPath(paths) {
  if (!paths?.length || paths.some((p) => !p)) return null;
  let parts = paths[0].split(".");
  for (const p of paths.slice(1)) {
    const other = p.split(".");
    let k = 0;
    while (k < parts.length && k < other.length && parts[k] === other[k]) k += 1;
    parts = parts.slice(0, k);
  }
  return parts.length ? parts.join(".") : null;
}

/** Whether the page should draw `result` itself (clusters, folds) rather than the server's SVG. */
export function wantsBrowserLayout(result, smallGraph = 150) {
  const graph = result.graph || {};
  const n = graph.nodes?.length || 0;
  if (!n) return false;
  if (!result.svg) return n > smallGraph || Boolean(graph.modules?.length || graph.folds?.length);
  return n > smallGraph && Boolean(graph.modules?.length || graph.folds?.length);
}
