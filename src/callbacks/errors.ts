export const APPOINTMENT_ERROR_CODES = [
  "SBA_INVALID_INPUT",
  "SBA_UNKNOWN_QUEUE",
  "SBA_NO_SLOT",
  "SBA_UNKNOWN_BOOKING",
  "SBA_CANCELLED",
  "SBA_OTHER_QUEUE",
  /** Express asked for, and the customer's record does not entitle them (or no record is theirs). */
  "SBA_NOT_EXPRESS",
  /** Express asked for, and the CRM could not say (failed or timed out). */
  "SBA_CRM_FAILED",
] as const;
export type AppointmentErrorCode = (typeof APPOINTMENT_ERROR_CODES)[number];

/** A refused appointment operation: `code` for programs, `message` for people. Full slots are results, not errors. */
export class AppointmentError extends Error {
  constructor(
    readonly code: AppointmentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppointmentError";
  }
}
