import type { CallState, EngineAction } from "./types.js";
import type { SimLine } from "./simulate.js";

/** Human-readable lines of a simulated call, for `switchboard simulate` (pure, no colours). */

function action(a: EngineAction, timers: Map<string, number>): string | null {
  switch (a.type) {
    case "play":
      return `plays ${a.media.join(", ")}${a.bargeIn ? " (a key interrupts)" : ""}`;
    case "stopPlayback":
      return "prompt stopped by the key";
    case "startTimer":
      timers.set(a.id, a.ms);
      return null;
    case "cancelTimer":
      return null;
    case "lookup":
      return `looks up ${a.key} in ${a.source} (gives up after ${a.timeoutMs / 1000} s)`;
    case "enqueue":
      return `enqueues in ${a.queue}, lane ${a.lane ?? "(queue default)"}${a.skills.length ? `, skills ${a.skills.join(", ")}` : ""}${a.priority ? `, priority ${a.priority}` : ""}${a.reason ? `, reason "${a.reason}"` : ""}${a.maxWaitMs ? `, at most ${a.maxWaitMs / 1000} s` : ""}`;
    case "transfer":
      return `transfers to ${a.endpoint ?? `${a.context},${a.extension},${a.priority ?? 1}`}`;
    case "hangup":
      return `hangs up (${a.reason})`;
    case "survey":
      return `records the survey answer ${a.score} of ${a.scale}`;
    case "admission":
      return `asks the ${a.queue} queue whether the ${a.lane} lane admits a caller now`;
    case "purchase":
      return `records the caller's consent to ${a.product} at ${a.price.toFixed(2)} ${a.currency} (key ${a.digits}, prompt ${a.promptVersion}) and bills it`;
    case "callback":
      return `books a call back to ${a.number} at the caller's place in the queue`;
    case "appointmentSlots":
      return `asks the ${a.queue} calendar for its next ${a.count} free slots for ${a.number}`;
    case "appointmentBook":
      return `books the ${a.queue} slot at ${new Date(a.slotStart).toISOString()} to call ${a.number}`;
  }
}

export function transcript(lines: readonly SimLine[]): string[] {
  const timers = new Map<string, number>();
  const out: string[] = [];
  for (const l of lines) {
    if (l.kind === "trace") out.push(`  [${l.node}] ${l.message}`);
    else if (l.kind === "action") {
      const text = action(l.action, timers);
      if (text) out.push(`    > ${text}`);
    } else if (l.event.type === "dtmf") out.push(`    < caller presses ${l.event.digit}`);
    else if (l.event.type === "timer") {
      const ms = timers.get(l.event.id);
      out.push(`    < nothing for ${ms === undefined ? "a while" : `${ms / 1000} s`}`);
    } else if (l.event.type === "lookupResult") {
      out.push(`    < lookup ${l.event.ok ? (l.event.found ? "found a record" : "found nothing") : `failed: ${l.event.error}`}`);
    } else if (l.event.type === "queueResult") out.push(`    < queue: ${l.event.outcome}`);
    else if (l.event.type === "admissionResult") out.push(`    < queue ${l.event.admit ? "admits" : "does not admit"}: ${l.event.reason}`);
    else if (l.event.type === "appointmentSlots") out.push(`    < calendar: ${l.event.slots.length ? l.event.slots.map((s, i) => `${i + 1} = ${s.label}`).join(", ") : `no slot (${l.event.reason})`}`);
    else if (l.event.type === "appointmentResult") out.push(`    < calendar: ${l.event.ok ? "booked" : "not booked"}: ${l.event.reason}`);
    else if (l.event.type === "agentEnded") out.push("    < the agent hangs up");
  }
  return out;
}

/** The caller's choices as `node=label` (node without its tree), as the simulator, the pop and the history show them. */
export function pathChoices(path: CallState["path"]): string[] {
  return path.filter((p) => p.choice !== undefined).map((p) => `${p.node.split("#")[1] ?? p.node}=${p.label ?? p.choice}`);
}

export function outcomeText(state: CallState): string {
  const o = state.outcome;
  if (!o) return `still waiting at ${state.node} (${state.waiting?.kind ?? state.status})`;
  switch (o.kind) {
    case "answered":
      return `answered by an agent of ${o.queue} (lane ${o.lane ?? "queue default"})`;
    case "transfer":
      return `transferred to ${o.endpoint ?? `${o.context},${o.extension}`}`;
    case "hangup":
      return `hung up by the IVR (${o.reason})`;
    case "caller-hangup":
      return `caller hung up at ${o.at}`;
    case "error":
      return `error: ${o.message}`;
  }
}
