import type { CompiledNode } from "../../model.js";
import type { AppointmentNode } from "../../schema.js";
import { mediaList, type Run } from "../run.js";
import type { EngineAction, OfferedSlot } from "../types.js";
import type { NodeHandler } from "./handler.js";

/**
 * Books an appointment by voice, in three waits: the calendar's next free slots (bounded by
 * `answerTimeout`), the caller's key after the slots are read out (with the node's retries), and the
 * booking itself. The number is read again for the booking from the same expression: nothing the caller
 * does in between can change it. Anything that books nothing takes `onError`.
 */

function numberOf(run: Run, cn: CompiledNode): string | { error: string } {
  const r = run.evaluate(cn, "number");
  const number = r.ok && (typeof r.value === "string" || typeof r.value === "number") ? String(r.value).trim() : "";
  if (/^\+?[0-9]{3,20}$/.test(number)) return number;
  return { error: `number ${r.ok ? `gave ${JSON.stringify(r.value)}, not a phone number` : `failed: ${r.error}`}` };
}

function askTheCalendar(run: Run, node: AppointmentNode, actionOf: (id: string) => EngineAction): void {
  const id = run.nextId("ap");
  run.actions.push(actionOf(id));
  run.wait({ kind: "lookup", lookupId: id, timerId: run.startTimer(node.answerTimeout) });
}

/** Reads the slots out, each followed by the option prompt and its key; keys interrupt. */
function offer(run: Run, node: AppointmentNode, offered: OfferedSlot[], before: string[] = mediaList(node.prompt)): void {
  const media = [...before, ...offered.flatMap((s, i) => [...s.media, ...mediaList(node.optionPrompt), `digits:${i + 1}`])];
  run.wait({ kind: "input", playbackId: run.play(media, true), offered });
}

function notBooked(run: Run, node: AppointmentNode, choice: string, why: string): void {
  run.choose(choice, `not booked (${why})`);
  run.goTo(node.onError, `no appointment: ${why}`);
}

/** No key, or one that names no slot: the slots again, or `onError` once the retries are used. */
function again(run: Run, node: AppointmentNode, offered: OfferedSlot[], what: string): void {
  run.state.attempt++;
  if (run.state.attempt > node.retries) return notBooked(run, node, what, `${what}, retries used up`);
  run.note(`${what}; the slots again (attempt ${run.state.attempt + 1} of ${node.retries + 1})`);
  offer(run, node, offered, []);
}

export const appointment: NodeHandler<AppointmentNode> = {
  enter(run, cn, node) {
    const number = numberOf(run, cn);
    if (typeof number !== "string") return notBooked(run, node, "no number", number.error);
    askTheCalendar(run, node, (id) => ({ type: "appointmentSlots", id, queue: node.queue, number, count: node.offer }));
  },
  on(run, cn, node, event) {
    const w = run.state.waiting;
    if (w?.kind === "lookup") {
      if (event.type === "timer" && event.id === w.timerId) {
        run.state.waiting = null;
        notBooked(run, node, "no answer", `the calendar did not answer within ${node.answerTimeout} s`);
        return true;
      }
      if ((event.type !== "appointmentSlots" && event.type !== "appointmentResult") || event.id !== w.lookupId) return false;
      run.clearWaiting({ stopPlayback: false });
      if (event.type === "appointmentSlots") {
        if (event.slots.length === 0) notBooked(run, node, "no slot", event.reason);
        else offer(run, node, event.slots.slice(0, node.offer));
      } else if (event.ok) {
        run.goTo(node.next, `appointment booked: ${event.reason}`);
      } else notBooked(run, node, "refused", event.reason);
      return true;
    }
    if (w?.kind !== "input" || !w.offered) return false;
    const offered = w.offered;
    if (event.type === "playbackFinished" && event.id === w.playbackId) {
      run.wait({ kind: "input", timerId: run.startTimer(node.timeout), offered });
      return true;
    }
    if (event.type === "timer" && event.id === w.timerId) {
      run.state.waiting = null;
      again(run, node, offered, "no input");
      return true;
    }
    if (event.type !== "dtmf") return false;
    run.clearWaiting({ stopPlayback: true });
    const slot = /^[1-9]$/.test(event.digit) ? offered[Number(event.digit) - 1] : undefined;
    if (!slot) {
      again(run, node, offered, `key ${event.digit}`);
      return true;
    }
    const number = numberOf(run, cn);
    if (typeof number !== "string") {
      notBooked(run, node, "no number", number.error);
      return true;
    }
    run.choose(event.digit, slot.label);
    askTheCalendar(run, node, (id) => ({ type: "appointmentBook", id, queue: node.queue, number, slotStart: slot.start }));
    return true;
  },
};
