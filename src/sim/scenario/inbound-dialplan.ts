/**
 * The repository's inbound dialplan (dialplan/extensions.conf) as simulator contexts: each DID goes
 * to `Stasis(<app>,<tree>,<did>)` unanswered; when the app is not connected the caller falls through
 * to `[switchboard-fallback]`. `Dial()` is not simulated, so a fallback caller hears please-hold and
 * is then hung up (unknown applications end the call, as in Asterisk).
 */
import type { DialplanSpec, SimPbx } from "../pbx.js";

export const INBOUND_CONTEXT = "switchboard-inbound";
/** The carrier trunk endpoint of dialplan/pjsip.conf: synthetic callers' channels are `PJSIP/trunk-0000000n`. */
export const TRUNK = "PJSIP/trunk";

export function inboundDialplan(app: string): DialplanSpec {
  const stasisExten = (label: string, tree: string) => [
    { app: "NoOp", data: label },
    { app: "Stasis", data: `${app},${tree},\${EXTEN}` },
    { app: "Goto", data: "switchboard-after-stasis,s,1" },
  ];
  return {
    [INBOUND_CONTEXT]: {
      "800": stasisExten("Switchboard main line", "main"),
      "801": stasisExten("Switchboard retention line", "retention"),
      "_X.": stasisExten("Switchboard DID ${EXTEN}", ""),
    },
    "switchboard-after-stasis": {
      s: [
        // extensions.conf: GotoIf($["${STASISSTATUS}" = "FAILED"]?switchboard-fallback,s,1); $[...] evaluated here
        { app: "GotoIf", data: (get) => `${get("STASISSTATUS") === "FAILED" ? 1 : 0}?switchboard-fallback,s,1` },
        { app: "Hangup" },
      ],
    },
    "switchboard-fallback": {
      s: [
        { app: "NoOp", data: "Switchboard unavailable: ringing the operator group" },
        { app: "Answer" },
        { app: "Playback", data: "switchboard/please-hold" },
        { app: "Dial", data: "PJSIP/1001&PJSIP/1002,45,m" },
        { app: "Playback", data: "switchboard/after-hours" },
        { app: "Hangup" },
      ],
    },
  };
}

/** Loads the inbound contexts (once) and the `GotoIf` application they use. */
export function installInboundDialplan(pbx: SimPbx, app: string): void {
  if (pbx.dialplan.hasContext(INBOUND_CONTEXT)) return;
  pbx.dialplan.load(inboundDialplan(app));
  pbx.addDialplanApplication("GotoIf", async (ctx) => {
    // condition?label_if_true[:label_if_false], the condition already evaluated
    const q = ctx.data.indexOf("?");
    const cond = q < 0 ? ctx.data : ctx.data.slice(0, q);
    const [onTrue = "", onFalse = ""] = (q < 0 ? "" : ctx.data.slice(q + 1)).split(":");
    const label = cond.trim() !== "" && cond.trim() !== "0" ? onTrue : onFalse;
    if (!label) return { next: true };
    const parts = label.split(",").map((s) => s.trim());
    const priority = Number.parseInt(parts[parts.length - 1] ?? "1", 10) || 1;
    if (parts.length >= 3) return { goto: { context: parts[0]!, exten: parts[1]!, priority } };
    if (parts.length === 2) return { goto: { exten: parts[0]!, priority } };
    return { goto: { priority } };
  });
}
