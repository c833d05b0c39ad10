import { toCel } from "../../lib/cel.js";
import type { CompiledNode, NodeRef, TreeSet } from "../model.js";
import type { Prompt } from "../schema.js";
import type { CallState, EngineAction, PathEntry, StepResult, TraceEntry, WaitingFor } from "./types.js";

/** Nodes a single step may pass through without waiting for the caller; more means a runaway loop. */
export const MAX_HOPS = 100;
/** The IVR path kept on the state (for the screen-pop and reports); older entries are dropped. */
export const MAX_PATH = 200;

export type EvalResult = { ok: true; value: unknown } | { ok: false; error: string };

const NO_CUSTOMER = Object.freeze({});

export const mediaList = (p: Prompt | undefined): string[] => (p === undefined ? [] : typeof p === "string" ? [p] : [...p]);

/**
 * One step in progress: a private copy of the state plus the actions and trace it produces. Node handlers
 * change the call only through it, so `step` stays pure (the caller's state object is never touched).
 */
export class Run {
  readonly state: CallState;
  readonly actions: EngineAction[] = [];
  readonly trace: TraceEntry[] = [];
  private hops = 0;
  // vars and path are copied on first write only: most steps change neither
  private ownVars = false;
  private ownPath = false;
  private celContext: Record<string, unknown> | undefined;

  constructor(
    readonly set: TreeSet,
    state: CallState,
  ) {
    this.state = { ...state };
  }

  setVars(values: Readonly<Record<string, unknown>>): void {
    if (!this.ownVars) {
      this.state.vars = { ...this.state.vars };
      this.ownVars = true;
    }
    Object.assign(this.state.vars, values);
    this.celContext = undefined;
  }

  setCustomer(customer: Record<string, unknown>): void {
    this.state.customer = customer;
    this.celContext = undefined;
  }

  private path(): PathEntry[] {
    if (!this.ownPath) {
      this.state.path = this.state.path.slice();
      this.ownPath = true;
    }
    return this.state.path;
  }

  result(): StepResult {
    return { state: this.state, actions: this.actions, trace: this.trace };
  }

  get current(): CompiledNode | undefined {
    return this.set.nodes.get(this.state.node);
  }

  note(message: string): void {
    this.trace.push({ node: this.state.node, message });
  }

  /** Deterministic ids (pb-1, t-2, lk-3): the same inputs always give the same actions. */
  nextId(prefix: string): string {
    this.state.seq++;
    return `${prefix}-${this.state.seq}`;
  }

  /** Moves to `ref` and marks it running; the step loop then enters it. */
  goTo(ref: NodeRef, why?: string): void {
    if (++this.hops > MAX_HOPS) {
      this.fail(`passed ${MAX_HOPS} nodes without waiting for the caller (a loop?); last at ${ref}`);
      return;
    }
    if (why) this.note(`${why} -> ${ref}`);
    this.state.node = ref;
    this.state.status = "running";
    this.state.waiting = null;
    this.state.attempt = 0;
    this.state.digits = "";
  }

  /** Records the node in the call's path; `choose` later adds what the caller did there. */
  visit(node: CompiledNode): void {
    const path = this.path();
    path.push({ node: node.ref, type: node.node.type });
    if (path.length > MAX_PATH) path.splice(0, path.length - MAX_PATH);
  }

  choose(choice: string, label?: string): void {
    const path = this.path();
    const last = path[path.length - 1];
    // entries are shared with the state the step was given: replace, never modify
    const here = last?.node === this.state.node;
    const entry: PathEntry = { node: this.state.node, type: here ? last!.type : (this.current?.node.type ?? "unknown"), choice };
    if (label !== undefined) entry.label = label;
    if (here) path[path.length - 1] = entry;
    else path.push(entry);
  }

  wait(waiting: WaitingFor): void {
    this.state.status = waiting.kind === "queue" ? "queued" : "waiting";
    this.state.waiting = waiting;
  }

  play(media: string[], bargeIn: boolean): string {
    const id = this.nextId("pb");
    this.actions.push({ type: "play", id, media, bargeIn });
    return id;
  }

  startTimer(seconds: number): string {
    const id = this.nextId("t");
    this.actions.push({ type: "startTimer", id, ms: Math.round(seconds * 1000) });
    return id;
  }

  /** Cancels whatever the call was waiting on (its timer, a prompt still playing). */
  clearWaiting(opts: { stopPlayback: boolean }): void {
    const w = this.state.waiting;
    if (!w) return;
    if ((w.kind === "input" || w.kind === "lookup") && w.timerId) this.actions.push({ type: "cancelTimer", id: w.timerId });
    if (opts.stopPlayback && (w.kind === "input" || w.kind === "playback") && "playbackId" in w && w.playbackId) {
      this.actions.push({ type: "stopPlayback", id: w.playbackId });
    }
    this.state.waiting = null;
  }

  end(outcome: NonNullable<CallState["outcome"]>): void {
    this.state.status = "ended";
    this.state.waiting = null;
    this.state.outcome = outcome;
  }

  fail(message: string): void {
    this.note(`error: ${message}`);
    this.end({ kind: "error", message });
  }

  /** Evaluates a compiled expression of the current node; a runtime error is a result, never a throw. */
  evaluate(node: CompiledNode, key: string, value?: string): EvalResult {
    const expr = node.exprs[key];
    if (!expr) return { ok: false, error: `no compiled expression "${key}"` };
    // Converted once per step, not per expression; not cached across steps, which would double the memory
    // a parked call holds. A caller unknown to the CRM is an empty customer: `has(customer.tier)` is false.
    this.celContext ??= { customer: toCel(this.state.customer ?? NO_CUSTOMER), call: toCel(this.state.call), vars: toCel(this.state.vars) };
    const ctx = value === undefined ? this.celContext : { ...this.celContext, value };
    try {
      return { ok: true, value: expr.evaluateCel(ctx) };
    } catch (err) {
      return { ok: false, error: (err as Error).message.split("\n")[0]! };
    }
  }
}
