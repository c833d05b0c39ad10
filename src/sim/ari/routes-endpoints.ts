/**
 * ARI REST resources about endpoints: `GET /endpoints[/{tech}[/{resource}]]` and an application's
 * event subscriptions (`POST`/`DELETE /applications/{app}/subscription?eventSource=...`), with the
 * replies recorded from Asterisk 22.10.1 (ari-rest/get-endpoints, ari-ws/ws-12).
 */
import type { EventSourceKind, SimPbx, StasisAppInfo } from "../pbx.js";
import type { Reply } from "./http.js";
import { endpointJson } from "./json.js";

/** What these handlers read of a request (a subset of the router's `RequestContext`). */
interface EndpointRequest {
  path: Record<string, string>;
  params: Map<string, string>;
}
type EndpointHandler = (pbx: SimPbx, ctx: EndpointRequest) => Reply;

const json = (status: number, body: unknown): Reply => ({ status, json: body });
const message = (status: number, text: string): Reply => json(status, { message: text });

/** The `Application` object of ARI. */
export function applicationJson(a: StasisAppInfo): Record<string, unknown> {
  return {
    name: a.name,
    channel_ids: a.channelIds,
    bridge_ids: a.bridgeIds,
    endpoint_ids: a.endpointIds,
    device_names: a.deviceNames,
    events_allowed: [],
    events_disallowed: [],
  };
}

const SCHEMES: Record<string, EventSourceKind> = { "channel:": "channel", "bridge:": "bridge", "endpoint:": "endpoint", "deviceState:": "deviceState" };

/** `endpoint:PJSIP/1001` -> kind and id; undefined for an unknown scheme. */
function eventSources(ctx: EndpointRequest): Array<{ kind: EventSourceKind; id: string } | undefined> {
  const raw = ctx.params.get("eventSource") ?? "";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((uri) => {
      const scheme = Object.keys(SCHEMES).find((k) => uri.startsWith(k));
      return scheme ? { kind: SCHEMES[scheme]!, id: uri.slice(scheme.length) } : undefined;
    });
}

/** Both subscription operations: the checks Asterisk makes before it touches the app. */
function subscription(pbx: SimPbx, ctx: EndpointRequest, subscribe: boolean): Reply {
  const sources = eventSources(ctx);
  if (sources.length === 0) return message(400, "Missing parameter eventSource");
  const app = ctx.path.applicationName!;
  if (!pbx.getApp(app)) return message(404, "Application not found");
  if (sources.some((s) => s === undefined)) return message(400, "Invalid event source URI scheme");
  for (const s of sources) {
    const outcome = subscribe ? pbx.subscribeApp(app, s!.kind, s!.id) : pbx.unsubscribeApp(app, s!.kind, s!.id);
    if (outcome === "no-app") return message(404, "Application not found");
    if (outcome === "no-source") return message(422, "Event source does not exist");
    if (outcome === "not-subscribed") return message(422, "Event source was not subscribed to");
  }
  return json(200, applicationJson(pbx.getApp(app)!));
}

const listByTech: EndpointHandler = (pbx, ctx) => {
  const tech = ctx.path.tech!;
  const list = pbx.listEndpoints(tech);
  // a technology without endpoints of its own (Local) is "invalid", as is an unknown one
  if (list.length === 0) return message(404, `No Endpoints found - invalid tech ${tech}`);
  return json(200, list.map(endpointJson));
};

const getEndpoint: EndpointHandler = (pbx, ctx) => {
  const e = pbx.getEndpoint(ctx.path.tech!, ctx.path.resource!);
  return e ? json(200, endpointJson(e)) : message(404, "Endpoint not found");
};

export const ENDPOINT_ROUTES: Array<[string, Array<[string, EndpointHandler]>]> = [
  ["endpoints", [["GET", (pbx) => json(200, pbx.listEndpoints().map(endpointJson))]]],
  ["endpoints/{tech}", [["GET", listByTech]]],
  ["endpoints/{tech}/{resource}", [["GET", getEndpoint]]],
  [
    "applications/{applicationName}/subscription",
    [
      ["POST", (pbx, ctx) => subscription(pbx, ctx, true)],
      ["DELETE", (pbx, ctx) => subscription(pbx, ctx, false)],
    ],
  ],
];
