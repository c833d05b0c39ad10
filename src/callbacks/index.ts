/** Appointments: per-queue calendars of call-back slots with an express hold, booked in Redis; their calls and reminders as delayed jobs. */
export { AppointmentStore, type AppointmentStoreOptions } from "./appointment-store.js";
export {
  Appointments,
  appointmentBookSchema,
  appointmentMoveSchema,
  expressDecisionSchema,
  slotStartSchema,
  type AppointmentBookInput,
  type AppointmentCallbacks,
  type AppointmentsDeps,
  type Booked,
  type CallbackLink,
  type ExpressDecision,
} from "./appointments.js";
export { AppointmentSchedule, appointmentJobId, type AppointmentJobData, type AppointmentJobName } from "./appointment-schedule.js";
export { appointmentCallbackId, appointmentReason, slotTime } from "./appointment-notices.js";
export { AppointmentCalendar } from "./calendar.js";
export {
  appointmentQueueSchema,
  appointmentsConfigSchema,
  type AppointmentQueueConfig,
  type AppointmentQueueInput,
  type AppointmentsConfig,
} from "./config.js";
export { AppointmentError, type AppointmentErrorCode } from "./errors.js";
export { AppointmentKeys } from "./keys.js";
export { decideBooking, isReleased, planRebalance, placeFor, roomFor, type Decision, type Place, type SlotState } from "./booking.js";
export { cumulativeFloorHolds } from "./hold.js";
export { slotSchema, type Slot } from "./slots.js";
export * from "./types.js";
