// "Path to root": every node and edge on a path from one node down to the graph's root (the
// tensor the picture is about, usually the loss), following the data flow source -> target.

function adjacency(edges, forward) {
  const next = new Map();
  for (const e of edges) {
    const [a, b] = forward ? [e.source, e.target] : [e.target, e.source];
    if (!next.has(a)) next.set(a, []);
    next.get(a).push(b);
  }
  return next;
}

function reach(start, next) {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    for (const b of next.get(stack.pop()) || []) {
      if (!seen.has(b)) {
        seen.add(b);
        stack.push(b);
      }
    }
  }
  return seen;
}

/** {nodes: Set of ids, edges: [[source, target]]} on the paths from `id` to graph.root_id
 * (without a root: everything `id` flows into). */
export function pathToRoot(graph, id) {
  const edges = graph.edges || [];
  const down = reach(id, adjacency(edges, true));
  let nodes = down;
  if (graph.root_id && down.has(graph.root_id)) {
    const up = reach(graph.root_id, adjacency(edges, false));
    nodes = new Set([...down].filter((n) => up.has(n)));
  }
  const onPath = edges.filter((e) => nodes.has(e.source) && nodes.has(e.target)).map((e) => [e.source, e.target]);
  return { nodes, edges: onPath };
}
