/**
 * The server of the second batch of recordings (shared/asterisk-fixtures/README.md, "second batch"),
 * as simulator options: ARI/AMI user `rec`, app `rec`, systemname `pbx1`, the `rec-inbound` and `hold`
 * contexts, the PJSIP endpoints of dialplan/pjsip.conf (1001 registered, 1002/1003 never registered,
 * the trunk with a static contact) and the prompts' lengths. Not a test file itself.
 */
import type { AmiUser } from "../../src/sim/index.js";
import type { DialplanSpec, EndpointConfig, SimPbx, SimPbxOptions } from "../../src/sim/pbx.js";

export const REC_DIALPLAN: DialplanSpec = {
  "rec-inbound": { s: [{ app: "Stasis", data: "rec,inbound,${CALLERID(num)}" }, { app: "Hangup" }] },
  hold: { s: [{ app: "Wait", data: "120" }, { app: "Hangup" }] },
};

export const SECOND_BATCH: SimPbxOptions = {
  systemName: "pbx1",
  recordedContexts: false,
  dialplan: REC_DIALPLAN,
  media: { sounds: { "switchboard/goodbye": 840, "switchboard/welcome": 2440 }, unknownSound: "fail" },
};

/** pjsip.conf's agent phones (template `agent-phone`) and trunk. */
export function agentPhone(resource: string, online: boolean, extra: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    tech: "PJSIP",
    resource,
    online,
    callerId: `"Agent ${resource}" <${resource}>`,
    context: "switchboard-agents",
    deviceStateBusyAt: 1,
    ...extra,
  };
}

/** The endpoints as the recorded server had them: 1001 registered (baresip), 1002/1003 not, the trunk static. */
export function configureEndpoints(pbx: SimPbx, phone: Partial<EndpointConfig> = {}): void {
  pbx.addEndpoint(agentPhone("1001", true, phone));
  pbx.addEndpoint(agentPhone("1002", false, phone));
  pbx.addEndpoint(agentPhone("1003", false, phone));
  pbx.addEndpoint({ tech: "PJSIP", resource: "trunk", staticContact: "sip:127.0.0.2:5060", context: "switchboard-inbound" });
}

/** baresip with `answermode=auto`: rings and answers at once (180 and 200 in the same moment). */
export const AUTO_ANSWER: Partial<EndpointConfig> = {
  onCall: (call) => {
    call.ring();
    call.answer();
  },
};

/** dialplan/manager.conf's `[switchboard]` user and the two variants the eventfilter recordings used. */
const SWITCHBOARD_READ = { read: "call,reporting,system,cdr", write: "reporting" };
export const FILTER_USERS: AmiUser[] = [
  { user: "rec", password: "rec" },
  {
    user: "sbfilter",
    password: "sbfilter",
    ...SWITCHBOARD_READ,
    eventfilter: ["Event: DeviceStateChange", "Event: FullyBooted", "Event: Shutdown", "Event: Cdr"],
  },
  { user: "nofilter", password: "nofilter", ...SWITCHBOARD_READ },
  { user: "blockdsc", password: "blockdsc", ...SWITCHBOARD_READ, eventfilter: ["!Event: DeviceStateChange"] },
];

/** Id shapes: a server-chosen channel id `pbx1-<epoch>.<n>`, a UUID, or a client's own id. */
export function idShape(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return "uuid";
  return id.replace(/\d+/g, "<n>");
}
