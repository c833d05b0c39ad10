import { expect } from "vitest";
import { startCall, step, type CallState, type EngineAction, type EngineEvent, type SaleTerms, type StepResult } from "../../src/ivr/engine/index.js";
import { loadTreeSources } from "../../src/ivr/load.js";
import type { TreeSet } from "../../src/ivr/model.js";

/** Loads inline trees ({ "main.yaml": "..." }) and fails the test with the diagnostics if they do not validate. */
export function trees(files: Record<string, string>): TreeSet {
  const { set, diagnostics } = loadTreeSources(Object.entries(files).map(([file, text]) => ({ file, text })));
  if (!set) throw new Error(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join("\n"));
  return set;
}

/** A call driven one event at a time, remembering the last step's actions. */
export class TestCall {
  state: CallState;
  actions: EngineAction[];
  trace: string[];

  constructor(
    readonly set: TreeSet,
    tree = "main",
    opts: { callerNumber?: string; customer?: Record<string, unknown> | null; sales?: Record<string, SaleTerms> } = {},
  ) {
    const r = startCall(set, tree, { callId: "c-1", callerNumber: opts.callerNumber ?? "5551001" }, { ...(opts.customer === undefined ? {} : { customer: opts.customer }), ...(opts.sales ? { sales: opts.sales } : {}) });
    this.state = r.state;
    this.actions = r.actions;
    this.trace = r.trace.map((t) => t.message);
  }

  send(event: EngineEvent): StepResult {
    const before = JSON.stringify(this.state);
    const r = step(this.set, this.state, event);
    // step is pure: the state it was given is untouched
    expect(JSON.stringify(this.state)).toBe(before);
    this.state = r.state;
    this.actions = r.actions;
    this.trace = r.trace.map((t) => t.message);
    return r;
  }

  /** The id of the play action of the last step (or of the prompt the call waits on). */
  get playing(): string {
    const w = this.state.waiting;
    if (w && "playbackId" in w && w.playbackId) return w.playbackId;
    throw new Error(`not waiting on a prompt: ${JSON.stringify(w)}`);
  }

  get timer(): string {
    const w = this.state.waiting;
    if (w && "timerId" in w && w.timerId) return w.timerId;
    throw new Error(`not waiting on a timer: ${JSON.stringify(w)}`);
  }

  finishPrompt(): StepResult {
    return this.send({ type: "playbackFinished", id: this.playing });
  }

  press(keys: string): void {
    for (const digit of keys) this.send({ type: "dtmf", digit });
  }

  fireTimer(): StepResult {
    return this.send({ type: "timer", id: this.timer });
  }

  played(): string[][] {
    return this.actions.filter((a): a is Extract<EngineAction, { type: "play" }> => a.type === "play").map((a) => a.media);
  }
}
