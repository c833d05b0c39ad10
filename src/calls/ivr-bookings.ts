import type { CallState, EngineAction, EngineEvent } from "../ivr/engine/index.js";
import type { CallbackBooking } from "./callback-booking.js";
import type { CallSession } from "./session-store.js";
import type { VoiceAppointments } from "./voice-appointments.js";

export type BookingAction = Extract<EngineAction, { type: "callback" | "appointmentSlots" | "appointmentBook" }>;

/** What the IVR books for a caller: a call back at their place, an appointment by voice. */
export interface IvrBookings {
  callbacks?: CallbackBooking | undefined;
  appointments?: VoiceAppointments | undefined;
}

/**
 * The answer to a booking action; a daemon without the capability says so (the node takes `onError`).
 * A call back booked changes the session: it is saved (`save`) before the tree goes on.
 */
export async function answerBooking(b: IvrBookings | undefined, call: { session: CallSession; state: CallState; callerName?: string }, a: BookingAction, save: () => Promise<void>): Promise<EngineEvent> {
  switch (a.type) {
    case "callback": {
      if (!b?.callbacks) return { type: "callbackResult", id: a.id, ok: false, reason: "no call backs on this daemon" };
      const e = await b.callbacks.book(call, a);
      if (e.type === "callbackResult" && e.ok) await save();
      return e;
    }
    case "appointmentSlots":
      return b?.appointments ? b.appointments.slots(call, a) : { type: "appointmentSlots", id: a.id, slots: [], reason: "no appointments on this daemon" };
    case "appointmentBook":
      return b?.appointments ? b.appointments.book(call, a) : { type: "appointmentResult", id: a.id, ok: false, reason: "no appointments on this daemon" };
  }
}
