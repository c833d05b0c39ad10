import type { DeviceState } from "../queue/index.js";

/** Asterisk device states (AMI DeviceStateChange) as the queue's agent registry sees a phone. */
export function phoneState(asterisk: string): DeviceState {
  switch (asterisk) {
    case "NOT_INUSE":
      return "registered";
    case "INUSE":
    case "BUSY":
    case "RINGING":
    case "RINGINUSE":
    case "ONHOLD":
      return "in_use";
    case "UNAVAILABLE":
    case "INVALID":
      return "unavailable";
    default:
      return "unknown";
  }
}
