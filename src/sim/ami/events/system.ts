/** The server's own events in AMI: device states, CDRs, shutdown and reload. */
import { cdrFields } from "../fields.js";
import type { TranslatorTable } from "./types.js";

export const systemEvents: TranslatorTable = {
  DeviceStateChanged: (e) => ({ name: "DeviceStateChange", category: "call", fields: [["Device", e.device], ["State", e.state]] }),
  Cdr: (e, opts) => {
    if (e.cdr.answerTime === null && !opts.cdrUnanswered) return undefined;
    return { name: "Cdr", category: "cdr", fields: cdrFields(e.cdr) };
  },
  Shutdown: (e, opts) => ({
    name: "Shutdown",
    category: "system",
    fields: [
      ["Shutdown", opts.activeChannels() > 0 ? "Uncleanly" : "Cleanly"],
      ["Restart", e.restart ? "True" : "False"],
    ],
  }),
  Reload: (e) => ({ name: "Reload", category: "system", fields: [["Module", e.module], ["Status", 0]] }),
};
