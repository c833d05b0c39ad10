import type { CallbackNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

/**
 * Books a call back at the caller's place in the queue, and waits for the queue's answer the way an
 * admission node does (the lookup wait, bounded by the node's timer). A number that is not digits, no
 * answer in time, or a refusal all take `onError`.
 */
export const callback: NodeHandler<CallbackNode> = {
  enter(run, cn, node) {
    const r = run.evaluate(cn, "number");
    const number = r.ok && (typeof r.value === "string" || typeof r.value === "number") ? String(r.value).trim() : "";
    if (!/^\+?[0-9]{3,20}$/.test(number)) {
      run.choose("no number");
      run.goTo(node.onError, `number ${r.ok ? `gave ${JSON.stringify(r.value)}, not a phone number` : `failed: ${r.error}`}`);
      return;
    }
    const id = run.nextId("cb");
    run.actions.push({ type: "callback", id, number });
    run.wait({ kind: "lookup", lookupId: id, timerId: run.startTimer(node.timeout) });
  },
  on(run, _cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind !== "lookup") return false;
    if (event.type === "timer" && event.id === w.timerId) {
      run.state.waiting = null;
      run.choose("not booked", "not booked (no answer)");
      run.goTo(node.onError, `the queue did not answer within ${node.timeout} s`);
      return true;
    }
    if (event.type !== "callbackResult" || event.id !== w.lookupId) return false;
    run.clearWaiting({ stopPlayback: false });
    if (event.ok) {
      run.choose("booked", `booked (${event.reason})`);
      run.goTo(node.next, `call back booked: ${event.reason}`);
    } else {
      run.choose("not booked", `not booked (${event.reason})`);
      run.goTo(node.onError, `call back not booked: ${event.reason}`);
    }
    return true;
  },
};
