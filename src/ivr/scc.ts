/**
 * Strongly connected components (Tarjan), iterative so a long chain of nodes cannot overflow the stack.
 * Components come out in reverse topological order: a component's successors are listed before it.
 */
export function stronglyConnected<T>(nodes: readonly T[], successors: (n: T) => readonly T[]): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const out: T[][] = [];
  let counter = 0;

  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: T; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work.at(-1)!;
      const succ = successors(frame.node);
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: T[] = [];
        let w: T;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        out.push(component);
      }
    }
  }
  return out;
}

/** Shortest path from `from` back to itself using only nodes in `within` (a cycle to show in a message). */
export function shortestCycle<T extends {}>(from: T, successors: (n: T) => readonly T[], within: ReadonlySet<T>): T[] {
  const parent = new Map<T, T>();
  const queue: T[] = [from];
  const seen = new Set<T>([from]);
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head]!;
    for (const s of successors(n)) {
      if (!within.has(s)) continue;
      if (s === from) {
        const path = [n];
        for (let p = parent.get(n); p !== undefined; p = parent.get(p)) path.push(p);
        return [...path.reverse(), from];
      }
      if (!seen.has(s)) {
        seen.add(s);
        parent.set(s, n);
        queue.push(s);
      }
    }
  }
  return [from];
}
