import type { CallInfo, CompiledNode, TreeSet } from "../model.js";
import type { IvrNode, NodeType } from "../schema.js";
import { admission } from "./nodes/admission.js";
import { appointment } from "./nodes/appointment.js";
import { branch } from "./nodes/branch.js";
import { callback } from "./nodes/callback.js";
import { hangup, transfer } from "./nodes/finish.js";
import { gather } from "./nodes/gather.js";
import type { NodeHandler } from "./nodes/handler.js";
import { lookup } from "./nodes/lookup.js";
import { menu } from "./nodes/menu.js";
import { play } from "./nodes/play.js";
import { purchase } from "./nodes/purchase.js";
import { queue } from "./nodes/queue.js";
import { set } from "./nodes/set.js";
import { survey } from "./nodes/survey.js";
import { Run } from "./run.js";
import type { CallState, EngineEvent, SaleTerms, StepResult } from "./types.js";

export * from "./types.js";
export { MAX_HOPS, MAX_PATH } from "./run.js";

type Handlers = { [K in NodeType]: NodeHandler<Extract<IvrNode, { type: K }>> };
const handlers: Handlers = {
  play,
  menu,
  gather,
  branch,
  set,
  lookup,
  queue,
  transfer,
  hangup,
  goto: { enter: (run, _cn, node) => run.goTo(node.target) },
  survey,
  admission,
  purchase,
  callback,
  appointment,
};
const handlerOf = (cn: CompiledNode) => handlers[cn.node.type] as NodeHandler;

/** Enters nodes until the call waits for something (caller, prompt, timer, lookup, queue) or ends. */
function advance(run: Run): void {
  while (run.state.status === "running") {
    const cn = run.current;
    if (!cn) return run.fail(`node ${run.state.node} does not exist in tree version ${run.set.version}`);
    run.visit(cn);
    handlerOf(cn).enter(run, cn, cn.node);
  }
}

export class UnknownTreeError extends Error {
  constructor(readonly tree: string) {
    super(`no IVR tree named "${tree}"`);
    this.name = "UnknownTreeError";
  }
}

export interface StartOptions {
  /** A customer record already known (the CRM prefetch finished before the call reached the tree). */
  customer?: Record<string, unknown> | null;
  /** What purchase nodes may sell in this call, by product, from the daemon's config (see SaleTerms). */
  sales?: Record<string, SaleTerms>;
}

/** A new call at the start of `treeName`: the first actions (usually a greeting) and the initial state. */
export function startCall(set: TreeSet, treeName: string, call: CallInfo, opts: StartOptions = {}): StepResult {
  const tree = set.trees.get(treeName);
  if (!tree) throw new UnknownTreeError(treeName);
  const state: CallState = {
    callId: call.callId,
    version: set.version,
    tree: treeName,
    node: tree.start,
    status: "running",
    waiting: null,
    attempt: 0,
    digits: "",
    seq: 0,
    call,
    customer: opts.customer ?? null,
    vars: { ...tree.vars },
    ...(opts.sales && Object.keys(opts.sales).length ? { sales: opts.sales } : {}),
    path: [],
  };
  const run = new Run(set, state);
  run.note(`call ${call.callId} from ${call.callerNumber} starts ${treeName}`);
  advance(run);
  return run.result();
}

/**
 * Feeds one event to a call: pure, the state passed in is never modified. Events that do not concern the
 * node the call is at (a timer cancelled too late, a prompt's finish after barge-in) are ignored and traced.
 */
export function step(set: TreeSet, state: CallState, event: EngineEvent): StepResult {
  const run = new Run(set, state);
  if (state.status === "ended") {
    run.note(`call already ended; ${event.type} ignored`);
    return run.result();
  }
  if (event.type === "hangup") {
    const w = state.waiting;
    run.clearWaiting({ stopPlayback: false });
    if (w?.kind === "agent") {
      // the caller ended the conversation: the call ends as answered, exactly as without afterAgent
      run.note("caller hung up while with the agent");
      run.end({ kind: "answered", queue: w.queue, ...(w.lane === undefined ? {} : { lane: w.lane }) });
      return run.result();
    }
    run.note("caller hung up");
    run.end({ kind: "caller-hangup", at: state.node });
    return run.result();
  }
  if (event.type === "start") {
    run.note("start ignored: the call has started");
    return run.result();
  }
  const cn = run.current;
  if (!cn) {
    run.fail(`node ${state.node} does not exist in tree version ${set.version}`);
    return run.result();
  }
  if (!handlerOf(cn).on?.(run, cn, cn.node, event)) {
    run.note(`${describe(event)} ignored at ${cn.node.type} node`);
    return run.result();
  }
  advance(run);
  // type-ahead: a key that skipped a prompt also answers the menu or gather right after it
  if (event.type === "dtmf" && cn.node.type === "play" && run.state.waiting?.kind === "input") {
    const next = run.current!;
    handlerOf(next).on?.(run, next, next.node, event);
    advance(run);
  }
  return run.result();
}

/**
 * Picks a call up again after a restart: the node it was at starts over (a caller in a menu hears the menu
 * again, a lookup is made again). A queued call is left as it is: its place is in Redis, not in the engine.
 * A caller resumed as one in the IVR while the engine waits for its conversation to end has no agent any
 * more (the driver resumes conversations with their agent): it goes on as after the agent's hangup.
 */
export function resume(set: TreeSet, state: CallState): StepResult {
  const run = new Run(set, state);
  if (state.status === "ended" || state.status === "queued") return run.result();
  if (state.waiting?.kind === "agent") {
    run.note("resumed after a restart with no agent on the line");
    const cn = run.current;
    if (cn && handlerOf(cn).on?.(run, cn, cn.node, { type: "agentEnded" })) advance(run);
    return run.result();
  }
  run.note("resumed after a restart");
  run.state.waiting = null;
  run.state.digits = "";
  run.state.status = "running";
  advance(run);
  return run.result();
}

function describe(e: EngineEvent): string {
  switch (e.type) {
    case "dtmf":
      return `key ${e.digit}`;
    case "playbackFinished":
    case "timer":
    case "lookupResult":
    case "admissionResult":
    case "callbackResult":
    case "appointmentSlots":
    case "appointmentResult":
      return `${e.type} ${e.id}`;
    default:
      return e.type;
  }
}
