import type { CompiledNode } from "../../model.js";
import type { GatherNode } from "../../schema.js";
import { mediaList, type Run } from "../run.js";
import type { NodeHandler } from "./handler.js";
import { askForInput, isCurrent, promptDone, retry } from "./input.js";

/** Input is complete (terminator, maxDigits or the inter-digit timeout): check it and store it. */
function finish(run: Run, cn: CompiledNode, node: GatherNode): void {
  const value = run.state.digits;
  if (value.length === 0) return retry(run, node, "noInput");
  if (value.length < node.minDigits) return retry(run, node, "invalid", `${value.length} of at least ${node.minDigits} digits`);
  if (node.validate !== undefined) {
    const r = run.evaluate(cn, "validate", value);
    if (!r.ok) return retry(run, node, "invalid", `validation failed: ${r.error}`);
    if (r.value !== true) return retry(run, node, "invalid", "validation rejected the value");
  }
  run.setVars({ [node.variable]: value });
  // the path says how many digits, never the digits: they may be an account number or a PIN
  run.choose(`${value.length} digits`);
  run.goTo(node.next, `vars.${node.variable} set`);
}

export const gather: NodeHandler<GatherNode> = {
  enter(run, _cn, node) {
    askForInput(run, mediaList(node.prompt));
  },
  on(run, cn, node, event) {
    if (!isCurrent(run, event)) return false;
    if (event.type === "playbackFinished") {
      promptDone(run, run.state.digits.length === 0 ? node.firstDigitTimeout : node.interDigitTimeout);
    } else if (event.type === "timer") {
      run.state.waiting = null;
      finish(run, cn, node);
    } else if (event.type === "dtmf") {
      run.clearWaiting({ stopPlayback: true });
      if (node.terminator !== "" && event.digit === node.terminator) return finish(run, cn, node), true;
      run.state.digits += event.digit;
      if (run.state.digits.length >= node.maxDigits) return finish(run, cn, node), true;
      promptDone(run, node.interDigitTimeout);
    }
    return true;
  },
};
