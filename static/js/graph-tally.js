// A running count of the boxes the big-graph view draws (graph-clusters.js), for choosing
// which modules open by default: with every fold closed, opening or closing one module changes
// the representative of the nodes inside it only, so only those groups are counted again.
// Opening the first levels of a 50k-node graph then costs about one pass over its groups, not
// one pass per module tried (0.4-0.7 s at 20k nodes, 3 s at 50k, before).

/** `model` is a ClusterModel with every fold closed. Returns {change(path, act)}: run `act`,
 * which opens or closes module `path`, and get the new number of boxes drawn. */
export function tallyBoxes(model) {
  model.groupHeads();
  const inModule = new Map(); // module path -> group heads directly in it
  for (const head of model.groups) {
    const path = model.byId.get(head).module;
    if (!path) continue;
    if (!inModule.has(path)) inModule.set(path, []);
    inModule.get(path).push(head);
  }
  const reps = new Map(); // drawn id -> groups it stands for
  let own = 0; // nodes drawn as themselves
  const count = (head, sign) => {
    const r = model.repOf(head);
    if (r === head) own += sign * model.groupSize(head);
    else {
      const k = (reps.get(r) || 0) + sign;
      if (k) reps.set(r, k);
      else reps.delete(r);
    }
  };
  const within = (path) => {
    const heads = [];
    const stack = [path];
    while (stack.length) {
      const p = stack.pop();
      heads.push(...(inModule.get(p) || []));
      stack.push(...model.modules[model.index(p)].children);
    }
    return heads;
  };
  for (const head of model.groups) count(head, 1);
  return {
    /** Apply `act` (which opens or closes `path`); returns the new number of boxes. */
    change: (path, act) => {
      const heads = within(path);
      for (const head of heads) count(head, -1);
      act();
      for (const head of heads) count(head, 1);
      return reps.size + own;
    },
  };
}
