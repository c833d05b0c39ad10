import type { QueueNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

export const queue: NodeHandler<QueueNode> = {
  enter(run, cn, node) {
    let lane = node.lane;
    if (node.laneExpr !== undefined) {
      const r = run.evaluate(cn, "laneExpr");
      // no lane means the queue's default lane: a caller is never left out because of a bad expression
      if (r.ok && typeof r.value === "string" && r.value !== "") lane = r.value;
      else run.note(`laneExpr ${r.ok ? `gave ${JSON.stringify(r.value)}` : `failed: ${r.error}`}; the queue's default lane applies`);
    }
    const reason = node.reason ?? (typeof run.state.vars.reason === "string" ? run.state.vars.reason : undefined);
    run.actions.push({
      type: "enqueue",
      queue: node.queue,
      ...(lane === undefined ? {} : { lane }),
      skills: node.skills,
      priority: node.priority,
      ...(reason === undefined ? {} : { reason }),
      ...(node.maxWait === undefined ? {} : { maxWaitMs: Math.round(node.maxWait * 1000) }),
      ...(node.onCallback === undefined ? {} : { callback: true as const }),
    });
    run.choose(lane ?? "default lane");
    run.wait({ kind: "queue", queue: node.queue, ...(lane === undefined ? {} : { lane }) });
  },
  on(run, _cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind === "agent") {
      // the agent hung up first, the caller is still on the line: the tree goes on (a caller who hangs
      // up first ends the call in step(), as answered)
      if (event.type !== "agentEnded" || node.afterAgent === undefined) return false;
      run.state.waiting = null;
      run.goTo(node.afterAgent, "the agent hung up first; the caller goes on");
      return true;
    }
    if (w?.kind !== "queue" || event.type !== "queueResult") return false;
    const lane = w.lane === undefined ? {} : { lane: w.lane };
    switch (event.outcome) {
      case "answered":
        if (node.afterAgent === undefined) run.end({ kind: "answered", queue: w.queue, ...lane });
        else {
          run.note(`answered; if the agent hangs up first the caller goes on to ${node.afterAgent}`);
          run.wait({ kind: "agent", queue: w.queue, ...lane });
        }
        break;
      case "timeout":
        run.goTo(node.onTimeout, "waited the queue's maximum");
        break;
      case "empty":
        run.goTo(node.onEmpty, "no agent logged in");
        break;
      case "full":
        run.goTo(node.onFull ?? node.onTimeout, "queue full");
        break;
      case "callback":
        // the place is held while the caller books; a node without onCallback was never offered one
        run.goTo(node.onCallback ?? node.onTimeout, "the caller asked to be called back");
        break;
    }
    return true;
  },
};
