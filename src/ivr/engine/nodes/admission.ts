import type { AdmissionNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

/**
 * Asks the queue whether it can keep a lane's promise to a caller joining now, and waits for the answer
 * the way a lookup waits for the CRM (same waiting state, bounded by the node's timer). Only a yes opens:
 * no answer in time, an error or a no all take `closed`, and the path and trace say which.
 */
export const admission: NodeHandler<AdmissionNode> = {
  enter(run, _cn, node) {
    const id = run.nextId("adm");
    run.actions.push({ type: "admission", id, queue: node.queue, lane: node.lane });
    run.wait({ kind: "lookup", lookupId: id, timerId: run.startTimer(node.timeout) });
  },
  on(run, _cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind !== "lookup") return false;
    if (event.type === "timer" && event.id === w.timerId) {
      run.state.waiting = null;
      run.choose("closed", "closed (no answer)");
      run.goTo(node.closed, `the ${node.queue} queue did not answer within ${node.timeout} s; treated as closed`);
      return true;
    }
    if (event.type !== "admissionResult" || event.id !== w.lookupId) return false;
    run.clearWaiting({ stopPlayback: false });
    const lane = `${node.queue} ${node.lane}`;
    if (event.admit) {
      run.choose("open", `open (${event.reason})`);
      run.goTo(node.open, `${lane} admits: ${event.reason}`);
    } else {
      run.choose("closed", `closed (${event.reason})`);
      run.goTo(node.closed, `${lane} does not admit: ${event.reason}`);
    }
    return true;
  },
};
