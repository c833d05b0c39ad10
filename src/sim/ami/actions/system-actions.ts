/**
 * System actions: Command (CLI), CoreSettings, CoreStatus, DeviceStateList, ExtensionState, Reload.
 * Replies as recorded (ami-06, ami-08, ami-08b, ami-09, ami-12, ami-13, ami-19).
 */
import { ASTERISK_VERSION } from "../../pbx.js";
import { runCli } from "../cli.js";
import { actionIdField, AMI_VERSION, error, header, listComplete, listStart, responseHead, serialize, success } from "../wire.js";
import type { ActionSpec } from "./types.js";

export const command: ActionSpec = {
  name: "Command",
  synopsis: "Execute Asterisk CLI Command.",
  privileges: ["command"],
  run({ m, session, server }) {
    const line = header(m, "Command").trim().toLowerCase().split(/\s+/).join(" ");
    if (line === "core restart now" && server.restart) {
      // the server goes down right after: the client sees Shutdown and the connection drop
      session.write(serialize([...responseHead(m, "Success"), ["Message", "Command output follows"]]));
      const restart = server.restart;
      setImmediate(restart);
      return;
    }
    const channels = server.pbx.listChannels().sort((a, b) => a.creationTime - b.creationTime || (a.name < b.name ? -1 : 1));
    const res = runCli(header(m, "Command"), {
      channels,
      activeCalls: server.counters.activeCalls,
      processedCalls: server.counters.processedCalls,
    });
    session.write(
      serialize([
        ...responseHead(m, res.ok ? "Success" : "Error"),
        ["Message", "Command output follows"],
        ...res.lines.map((l) => ["Output", l] as [string, string]),
      ]),
    );
  },
};

export const coreSettings: ActionSpec = {
  name: "CoreSettings",
  synopsis: "Show PBX core settings (version etc).",
  privileges: ["system", "reporting"],
  run({ m, session, server }) {
    session.write(
      serialize([
        ...responseHead(m, "Success"),
        ["AMIversion", AMI_VERSION],
        ["AsteriskVersion", ASTERISK_VERSION],
        ["SystemName", server.pbx.systemName],
        ["CoreMaxCalls", 0],
        ["CoreMaxLoadAvg", "0.000000"],
        ["CoreRunUser", ""],
        ["CoreRunGroup", ""],
        ["CoreMaxFilehandles", 0],
        ["CoreRealTimeEnabled", "No"],
        ["CoreCDRenabled", "Yes"],
        // as the recorded server reports it (its HTTP server served ARI all along)
        ["CoreHTTPenabled", "No"],
        ["SoundsSearchCustomDir", "No"],
      ]),
    );
  },
};

const pad = (n: number): string => String(n).padStart(2, "0");
/** Local date and time as CoreStatus prints them: `2026-12-02`, `07:08:22`. */
function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const coreStatus: ActionSpec = {
  name: "CoreStatus",
  synopsis: "Show PBX core status variables.",
  privileges: ["system", "reporting"],
  run({ m, session, server }) {
    const { pbx, counters } = server;
    session.write(
      serialize([
        ...responseHead(m, "Success"),
        ["CoreStartupDate", localDate(pbx.startupTime)],
        ["CoreStartupTime", localTime(pbx.startupTime)],
        ["CoreReloadDate", localDate(pbx.lastReloadTime)],
        ["CoreReloadTime", localTime(pbx.lastReloadTime)],
        ["CoreCurrentCalls", counters.activeCalls],
        ["CoreProcessedCalls", counters.processedCalls],
      ]),
    );
  },
};

export const deviceStateList: ActionSpec = {
  name: "DeviceStateList",
  synopsis: "List the current known device states.",
  privileges: ["call", "reporting"],
  run({ m, session, server }) {
    // Asterisk lists its device state cache; Local channel device states are never cached
    const devices = server.pbx.deviceStates().filter((d) => !d.device.startsWith("Local/"));
    let out = listStart(m, "Device State Changes will follow");
    for (const d of devices) {
      out += serialize([["Event", "DeviceStateChange"], ...actionIdField(m), ["Device", d.device], ["State", d.state]]);
    }
    out += listComplete(m, "DeviceStateListComplete", devices.length);
    session.write(out);
  },
};

export const extensionState: ActionSpec = {
  name: "ExtensionState",
  synopsis: "Check Extension Status.",
  privileges: ["call", "reporting"],
  run({ m, session }) {
    // the simulated dialplan has no hints: every extension reads as Asterisk reads one without a hint
    session.write(
      serialize([
        ...responseHead(m, "Success"),
        ["Message", "Extension Status"],
        ["Exten", header(m, "Exten")],
        ["Context", header(m, "Context") || "default"],
        ["Hint", ""],
        ["Status", -1],
        ["StatusText", "Unknown"],
      ]),
    );
  },
};

/** Modules whose behaviour the simulator has, by the names Asterisk loads them under. */
const RELOADABLE = new Set([
  "app_queue",
  "app_stasis",
  "chan_pjsip",
  "res_pjsip",
  "pbx_config",
  "res_musiconhold",
  "res_ari",
  "res_stasis",
  "cdr",
  "manager",
  "http",
  "dnsmgr",
  "extconfig",
  "features",
  "udptl",
  "indications",
]);

export const reload: ActionSpec = {
  name: "Reload",
  synopsis: "Send a reload event.",
  privileges: ["system", "config"],
  run({ m, session, server }) {
    const module = header(m, "Module");
    if (module !== "" && !RELOADABLE.has(module.replace(/\.so$/, ""))) return session.write(error(m, "No such module"));
    server.pbx.reload(module === "" ? "All" : module);
    session.write(success(m, "Module Reloaded"));
  },
};
