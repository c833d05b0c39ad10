/** A refusal of a soft-phone request the agent reads as it is (the hub shows `SBP_` errors). */
export class PhoneError extends Error {
  readonly code = "SBP_REFUSED";
}
