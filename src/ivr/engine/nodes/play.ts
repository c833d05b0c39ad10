import type { PlayNode } from "../../schema.js";
import { mediaList } from "../run.js";
import type { NodeHandler } from "./handler.js";

export const play: NodeHandler<PlayNode> = {
  enter(run, _cn, node) {
    run.wait({ kind: "playback", playbackId: run.play(mediaList(node.prompt), node.bargeIn) });
  },
  on(run, _cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind !== "playback") return false;
    if (event.type === "playbackFinished" && event.id === w.playbackId) {
      run.goTo(node.next);
      return true;
    }
    if (event.type === "dtmf" && node.bargeIn) {
      // the step loop hands the same key to the next node if it waits for input (type-ahead)
      run.clearWaiting({ stopPlayback: true });
      run.goTo(node.next, `key ${event.digit} skipped the prompt`);
      return true;
    }
    return false;
  },
};
