import type { LookupNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

export const lookup: NodeHandler<LookupNode> = {
  enter(run, cn, node) {
    const key = run.evaluate(cn, "key");
    if (!key.ok || key.value === null || key.value === undefined || key.value === "") {
      run.choose("error", "no key");
      run.goTo(node.onError, `lookup key: ${key.ok ? "empty" : key.error}`);
      return;
    }
    const lookupId = run.nextId("lk");
    const timeoutMs = Math.round(node.timeout * 1000);
    run.actions.push({ type: "lookup", id: lookupId, source: node.source, key: String(key.value), timeoutMs });
    run.wait({ kind: "lookup", lookupId, timerId: run.startTimer(node.timeout) });
  },
  on(run, _cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind !== "lookup") return false;
    if (event.type === "timer" && event.id === w.timerId) {
      run.state.waiting = null;
      run.choose("error", "timed out");
      run.goTo(node.onError, `${node.source} did not answer within ${node.timeout} s`);
      return true;
    }
    if (event.type !== "lookupResult" || event.id !== w.lookupId) return false;
    run.clearWaiting({ stopPlayback: false });
    if (!event.ok) {
      run.choose("error", event.error);
      run.goTo(node.onError, `${node.source} failed: ${event.error}`);
    } else if (!event.found) {
      run.choose("not found");
      run.goTo(node.onNotFound ?? node.next, "no record");
    } else {
      const data = event.data ?? {};
      if (node.into === "customer") run.setCustomer(data);
      else run.setVars({ [node.into]: data });
      run.choose("found");
      run.goTo(node.next, "record found");
    }
    return true;
  },
};
