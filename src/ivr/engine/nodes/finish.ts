import type { CompiledNode } from "../../model.js";
import type { HangupNode, TransferNode } from "../../schema.js";
import { mediaList, type Run } from "../run.js";
import type { NodeHandler } from "./handler.js";

/** Transfer and hangup: an optional prompt plays out (no barge-in), then the call leaves the IVR. */
function act(run: Run, node: TransferNode | HangupNode): void {
  if (node.type === "hangup") {
    run.actions.push({ type: "hangup", reason: node.reason });
    run.end({ kind: "hangup", reason: node.reason });
    return;
  }
  const where = node.endpoint
    ? { endpoint: node.endpoint }
    : { context: node.context!, extension: node.extension!, priority: node.priority };
  run.actions.push({ type: "transfer", ...where });
  const { priority: _p, ...outcome } = where as typeof where & { priority?: number };
  run.end({ kind: "transfer", ...outcome });
}

function finishing<N extends TransferNode | HangupNode>(): NodeHandler<N> {
  return {
    enter(run: Run, _cn: CompiledNode, node: N) {
      const media = mediaList(node.prompt);
      if (media.length === 0) return act(run, node);
      run.wait({ kind: "playback", playbackId: run.play(media, false) });
    },
    on(run, _cn, node, event) {
      const w = run.state.waiting;
      if (w?.kind !== "playback" || event.type !== "playbackFinished" || event.id !== w.playbackId) return false;
      act(run, node);
      return true;
    },
  };
}

export const transfer = finishing<TransferNode>();
export const hangup = finishing<HangupNode>();
