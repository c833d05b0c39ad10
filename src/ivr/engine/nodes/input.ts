import type { GatherNode, MenuNode } from "../../schema.js";
import { mediaList, type Run } from "../run.js";
import type { EngineEvent } from "../types.js";

/**
 * What menus and gathers share: the prompt plays with barge-in, the input timer starts when it ends, a key
 * press stops the prompt, and no input / invalid input get the node's retry handling.
 */

export function askForInput(run: Run, media: string[]): void {
  run.wait({ kind: "input", playbackId: run.play(media, true) });
}

/** The event names the prompt or timer the node is waiting on (anything else is stale). */
export function isCurrent(run: Run, event: EngineEvent): boolean {
  const w = run.state.waiting;
  if (w?.kind !== "input") return false;
  if (event.type === "playbackFinished") return event.id === w.playbackId;
  if (event.type === "timer") return event.id === w.timerId;
  return event.type === "dtmf";
}

/** The prompt finished: start waiting for keys. */
export function promptDone(run: Run, seconds: number): void {
  run.wait({ kind: "input", timerId: run.startTimer(seconds) });
}

export type RetryKind = "noInput" | "invalid";
const SAID: Record<RetryKind, string> = { noInput: "no input", invalid: "invalid input" };

/** One more attempt with the node's retry prompt, a jump when it says `goto`, or onFail once retries are used up. */
export function retry(run: Run, node: MenuNode | GatherNode, kind: RetryKind, detail?: string): void {
  run.state.attempt++;
  run.state.digits = "";
  const what = detail ? `${SAID[kind]} (${detail})` : SAID[kind];
  if (run.state.attempt > node.retries) {
    run.choose(SAID[kind], "retries used up");
    run.goTo(node.onFail, `${what}; retries used up`);
    return;
  }
  const handler = node[kind];
  if (handler?.goto) {
    run.goTo(handler.goto, what);
    return;
  }
  run.note(`${what}; attempt ${run.state.attempt + 1} of ${node.retries + 1}`);
  askForInput(run, [...mediaList(handler?.prompt), ...mediaList(node.prompt)]);
}
