/**
 * ARI REST resources of the simulator: routing, parameters and replies with the status codes,
 * reason phrases and messages recorded from Asterisk 22.10.1.
 */
import { ARI_HANGUP_REASONS, ASTERISK_VERSION, PbxError, type SimPbx } from "../pbx.js";
import { ariTime, bridgeJson, channelJson, playbackJson } from "./json.js";
import type { Reply } from "./http.js";
import { applicationJson, ENDPOINT_ROUTES } from "./routes-endpoints.js";
import { HOLD_MUTE_ROUTES } from "./routes-hold-mute.js";
import { RECORDING_ROUTES } from "./routes-recordings.js";
import { resourceJson, resourcesJson } from "./swagger.js";

export interface RequestContext {
  method: string;
  /** Path parameters by name. */
  path: Record<string, string>;
  /** Query parameters merged with the scalar fields of a JSON body (body wins). */
  params: Map<string, string>;
  /** Parsed JSON body (an object) or undefined. */
  body: Record<string, unknown> | undefined;
  /** `http://host:port/ari` as seen by the client. */
  basePath: string;
}

type Handler = (pbx: SimPbx, ctx: RequestContext) => Reply;

interface Route {
  pattern: string[];
  methods: Array<[string, Handler]>;
}

const json = (status: number, body: unknown, reason?: string): Reply => ({ status, json: body, ...(reason ? { reason } : {}) });
const message = (status: number, text: string, reason?: string): Reply => json(status, { message: text }, reason);
const NO_CONTENT: Reply = { status: 204 };

const CHANNEL_NOT_FOUND = message(404, "Channel not found");
const NOT_IN_STASIS = message(409, "Channel not in Stasis application");

function list(ctx: RequestContext, name: string): string[] {
  const v = ctx.params.get(name);
  if (v === undefined || v === "") return [];
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Channel lookup for operations that need it to be in Stasis (`find_control` in Asterisk). */
function stasisChannel(pbx: SimPbx, id: string): Reply | undefined {
  const ch = pbx.getChannel(id);
  if (!ch || ch.id !== id) return CHANNEL_NOT_FOUND;
  if (!pbx.stasisAppOf(id)) return NOT_IN_STASIS;
  return undefined;
}

function pbxErrorReply(e: unknown): Reply {
  if (!(e instanceof PbxError)) return message(500, "Internal Server Error");
  switch (e.code) {
    case "not-found":
      return message(404, e.message);
    case "not-in-stasis":
      return message(409, e.message);
    case "bad-request":
    case "invalid-endpoint":
      return message(400, e.message);
    case "conflict":
      return message(409, e.message);
    case "allocation-failed":
      return json(500, { error: "Allocation failed" });
    case "not-in-bridge":
    case "unprocessable":
      return message(422, e.message);
    case "bridge-create-failed":
      return message(500, e.message, "Internal Error");
    case "playback-failed":
      return message(500, e.message);
    default:
      return message(500, e.message);
  }
}

function guard(fn: Handler): Handler {
  return (pbx, ctx) => {
    try {
      return fn(pbx, ctx);
    } catch (e) {
      return pbxErrorReply(e);
    }
  };
}

function originate(pbx: SimPbx, ctx: RequestContext, channelId: string | undefined): Reply {
  const p = ctx.params;
  const endpoint = p.get("endpoint") ?? "";
  if (endpoint === "") return message(400, "Endpoint must be specified");
  const app = p.get("app") || undefined;
  const extension = p.get("extension") || undefined;
  if (!app && !extension) return message(400, "Application or extension must be specified");
  const timeoutRaw = p.get("timeout");
  const timeout = timeoutRaw !== undefined && timeoutRaw !== "" ? Number.parseInt(timeoutRaw, 10) : 30;
  const priorityRaw = p.get("priority");
  const vars = ctx.body?.variables;
  const variables: Array<[string, string]> = [];
  if (vars && typeof vars === "object" && !Array.isArray(vars)) {
    for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
      if (v === null || typeof v === "object") continue;
      variables.push([k, String(v)]);
    }
  }
  const context = p.get("context") || undefined;
  const handle = pbx.originate({
    endpoint,
    ...(app ? { app, appArgs: list(ctx, "appArgs") } : {}),
    ...(app ? {} : { context: context ?? "default", exten: extension!, priority: priorityRaw ? Number.parseInt(priorityRaw, 10) || 1 : 1 }),
    // -1: wait for an answer forever
    timeoutMs: timeout === -1 ? Number.POSITIVE_INFINITY : Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 30_000,
    ...(p.get("callerId") ? { callerId: p.get("callerId")! } : {}),
    variables,
    // Asterisk's ARI originate sets the caller id before the variables (AMI recording ami-14a)
    callerIdFirst: true,
    ...(channelId ? { channelId } : {}),
    ...(p.get("otherChannelId") ? { otherChannelId: p.get("otherChannelId")! } : {}),
  });
  return json(200, channelJson(handle.channel));
}

function play(pbx: SimPbx, ctx: RequestContext, playbackId: string | undefined): Reply {
  const id = ctx.path.channelId!;
  const bad = stasisChannel(pbx, id);
  if (bad) return bad;
  const media = list(ctx, "media");
  if (media.length === 0) return message(500, "Failed to queue media for playback");
  const lang = ctx.params.get("lang") || undefined;
  const pb = pbx.play(id, media, { ...(playbackId ? { playbackId } : {}), ...(lang ? { lang } : {}) });
  return { status: 201, json: playbackJson(pb), headers: [["Location", `/ari/playbacks/${pb.id}`]] };
}

function hangupCause(ctx: RequestContext): number | Reply {
  const reason = ctx.params.get("reason");
  const code = ctx.params.get("reason_code");
  if (reason && code) return message(400, "The reason and reason_code can't both be specified");
  if (code) {
    const n = Number.parseInt(code, 10);
    if (!Number.isFinite(n) || n < 0) return message(400, "Invalid reason for hangup reason provided", "Invalid Reason");
    return n;
  }
  if (reason) {
    const n = ARI_HANGUP_REASONS[reason];
    if (n === undefined) return message(400, "Invalid reason for hangup reason provided", "Invalid Reason");
    return n;
  }
  return 16;
}

function bridgeCreate(pbx: SimPbx, ctx: RequestContext, bridgeId: string | undefined): Reply {
  const b = pbx.createBridge({
    ...(bridgeId !== undefined ? { bridgeId } : {}),
    types: list(ctx, "type"),
    ...(ctx.params.get("name") !== undefined ? { name: ctx.params.get("name")! } : {}),
  });
  return json(200, bridgeJson(b));
}

const ROUTES: Array<[string, Array<[string, Handler]>]> = [
  [
    "asterisk/info",
    [
      [
        "GET",
        (pbx, ctx) => {
          const all: Record<string, unknown> = {
            build: { os: "Linux", kernel: "6.1.0-sim", machine: process.arch === "arm64" ? "aarch64" : "x86_64", options: "OPTIONAL_API", date: ariTime(pbx.startupTime).slice(0, 19).replace("T", " ") + " UTC", user: "root" },
            system: { version: ASTERISK_VERSION, entity_id: pbx.entityId },
            config: { name: pbx.systemName, default_language: "en", setid: { user: "", group: "" } },
            status: { startup_time: ariTime(pbx.startupTime), last_reload_time: ariTime(pbx.lastReloadTime) },
          };
          const only = list(ctx, "only");
          if (only.length === 0) return json(200, all);
          return json(200, Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))));
        },
      ],
    ],
  ],
  ["asterisk/ping", [["GET", (pbx) => json(200, { ping: "pong", timestamp: ariTime(Date.now()), asterisk_id: pbx.entityId })]]],
  ["applications", [["GET", (pbx) => json(200, pbx.listApps().map(applicationJson))]]],
  [
    "applications/{applicationName}",
    [
      [
        "GET",
        (pbx, ctx) => {
          const a = pbx.getApp(ctx.path.applicationName!);
          return a ? json(200, applicationJson(a)) : message(404, "Application not found");
        },
      ],
    ],
  ],
  [
    "channels",
    [
      ["GET", (pbx) => json(200, pbx.listChannels().map(channelJson))],
      ["POST", guard((pbx, ctx) => originate(pbx, ctx, ctx.params.get("channelId") || undefined))],
    ],
  ],
  [
    "channels/{channelId}",
    [
      [
        "GET",
        (pbx, ctx) => {
          const ch = pbx.getChannel(ctx.path.channelId!);
          return ch && ch.id === ctx.path.channelId ? json(200, channelJson(ch)) : CHANNEL_NOT_FOUND;
        },
      ],
      ["POST", guard((pbx, ctx) => originate(pbx, ctx, ctx.path.channelId))],
      [
        "DELETE",
        guard((pbx, ctx) => {
          const id = ctx.path.channelId!;
          const ch = pbx.getChannel(id);
          const reason = ctx.params.get("reason");
          const code = ctx.params.get("reason_code");
          if (reason && code) return message(400, "The reason and reason_code can't both be specified");
          if (!ch || ch.id !== id) return CHANNEL_NOT_FOUND;
          const cause = hangupCause(ctx);
          if (typeof cause !== "number") return cause;
          pbx.hangup(id, cause);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/continue",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const id = ctx.path.channelId!;
          const bad = stasisChannel(pbx, id);
          if (bad) return bad;
          const prio = ctx.params.get("priority");
          pbx.continueInDialplan(id, {
            ...(ctx.params.get("context") ? { context: ctx.params.get("context")! } : {}),
            ...(ctx.params.get("extension") ? { exten: ctx.params.get("extension")! } : {}),
            ...(prio ? { priority: Number.parseInt(prio, 10) || 1 } : {}),
          });
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/redirect",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const id = ctx.path.channelId!;
          const endpoint = ctx.params.get("endpoint") ?? "";
          // Asterisk's reason phrase for this 400, as recorded (ws-13); checked before the channel is looked up
          if (endpoint === "") return message(400, "Required parameter 'endpoint' not provided.", "Not Found");
          const bad = stasisChannel(pbx, id);
          if (bad) return bad;
          pbx.redirectChannel(id, endpoint);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/answer",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.answer(ctx.path.channelId!);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/ring",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.ring(ctx.path.channelId!);
          return NO_CONTENT;
        }),
      ],
      [
        "DELETE",
        guard((pbx, ctx) => {
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.ringStop(ctx.path.channelId!);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/dtmf",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const dtmf = ctx.params.get("dtmf") ?? "";
          if (dtmf === "") return message(400, "DTMF is required");
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          const num = (n: string): number | undefined => {
            const v = ctx.params.get(n);
            return v ? Number.parseInt(v, 10) : undefined;
          };
          const between = num("between");
          const duration = num("duration");
          const before = num("before");
          pbx.sendDtmf(ctx.path.channelId!, dtmf, {
            ...(between !== undefined ? { betweenMs: between } : {}),
            ...(duration !== undefined ? { durationMs: duration } : {}),
            ...(before !== undefined ? { beforeMs: before } : {}),
          });
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "channels/{channelId}/moh",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.startMoh(ctx.path.channelId!, ctx.params.get("mohClass") || undefined);
          return NO_CONTENT;
        }),
      ],
      [
        "DELETE",
        guard((pbx, ctx) => {
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.stopMoh(ctx.path.channelId!);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  ["channels/{channelId}/play", [["POST", guard((pbx, ctx) => play(pbx, ctx, ctx.params.get("playbackId") || undefined))]]],
  ["channels/{channelId}/play/{playbackId}", [["POST", guard((pbx, ctx) => play(pbx, ctx, ctx.path.playbackId))]]],
  [
    "channels/{channelId}/variable",
    [
      [
        "GET",
        guard((pbx, ctx) => {
          const name = ctx.params.get("variable") ?? "";
          if (name === "") return message(400, "Variable name is required");
          const id = ctx.path.channelId!;
          const ch = pbx.getChannel(id);
          if (!ch || ch.id !== id) return message(404, "Provided channel was not found", "Channel Not Found");
          const value = pbx.getVar(id, name);
          if (value === undefined) return message(404, "Provided variable was not found", "Variable Not Found");
          return json(200, { value });
        }),
      ],
      [
        "POST",
        guard((pbx, ctx) => {
          const name = ctx.params.get("variable") ?? "";
          if (name === "") return message(400, "Variable name is required");
          const bad = stasisChannel(pbx, ctx.path.channelId!);
          if (bad) return bad;
          pbx.setVar(ctx.path.channelId!, name, ctx.params.get("value") ?? "");
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "bridges",
    [
      ["GET", (pbx) => json(200, pbx.listBridges().map(bridgeJson))],
      ["POST", guard((pbx, ctx) => bridgeCreate(pbx, ctx, ctx.params.get("bridgeId") || undefined))],
    ],
  ],
  [
    "bridges/{bridgeId}",
    [
      ["POST", guard((pbx, ctx) => bridgeCreate(pbx, ctx, ctx.path.bridgeId))],
      [
        "GET",
        (pbx, ctx) => {
          const b = pbx.getBridge(ctx.path.bridgeId!);
          return b ? json(200, bridgeJson(b)) : message(404, "Bridge not found");
        },
      ],
      [
        "DELETE",
        guard((pbx, ctx) => {
          if (!pbx.getBridge(ctx.path.bridgeId!)) return message(404, "Bridge not found", "Not found");
          pbx.destroyBridge(ctx.path.bridgeId!);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "bridges/{bridgeId}/addChannel",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          if (!pbx.getBridge(ctx.path.bridgeId!)) return message(404, "Bridge not found", "Not found");
          const channels = list(ctx, "channel");
          if (channels.length === 0) return message(400, "Missing parameter channel");
          try {
            pbx.addToBridge(ctx.path.bridgeId!, channels, ctx.params.get("role") || undefined);
          } catch (e) {
            if (e instanceof PbxError && e.code === "not-in-stasis") return message(422, e.message);
            throw e;
          }
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "bridges/{bridgeId}/removeChannel",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          if (!pbx.getBridge(ctx.path.bridgeId!)) return message(404, "Bridge not found", "Not found");
          const channels = list(ctx, "channel");
          if (channels.length === 0) return message(400, "Missing parameter channel");
          pbx.removeFromBridge(ctx.path.bridgeId!, channels);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "playbacks/{playbackId}",
    [
      [
        "GET",
        (pbx, ctx) => {
          const pb = pbx.getPlayback(ctx.path.playbackId!);
          return pb ? json(200, playbackJson(pb)) : message(404, "Playback not found");
        },
      ],
      [
        "DELETE",
        guard((pbx, ctx) => {
          pbx.stopPlayback(ctx.path.playbackId!);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "playbacks/{playbackId}/control",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          if (!pbx.getPlayback(ctx.path.playbackId!)) return message(404, "Playback not found");
          const op = ctx.params.get("operation") ?? "";
          if (op === "") return message(400, "Missing operation");
          pbx.controlPlayback(ctx.path.playbackId!, op);
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  ["api-docs/resources.json", [["GET", (_pbx, ctx) => json(200, resourcesJson(ctx.basePath))]]],
  [
    "api-docs/{resource}",
    [
      [
        "GET",
        (_pbx, ctx) => {
          const m = /^([A-Za-z]+)\.json$/.exec(ctx.path.resource!);
          const doc = m ? resourceJson(m[1]!, ctx.basePath) : undefined;
          return doc ? json(200, doc) : message(404, "Resource not found");
        },
      ],
    ],
  ],
];

const COMPILED: Route[] = [...ROUTES, ...ENDPOINT_ROUTES, ...RECORDING_ROUTES, ...HOLD_MUTE_ROUTES].map(([pattern, methods]) => ({ pattern: pattern.split("/"), methods }));

export type RouteMatch =
  | { kind: "ok"; handler: Handler; path: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string }
  | { kind: "options"; allow: string }
  | { kind: "not-found" };

/** Matches a path below `/ari/` (without that prefix), e.g. `channels/123/answer`. */
export function matchRoute(method: string, relPath: string): RouteMatch {
  const segs = relPath.split("/");
  for (const r of COMPILED) {
    if (r.pattern.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      const p = r.pattern[i]!;
      const s = segs[i]!;
      if (p.startsWith("{")) {
        if (s === "") {
          ok = false;
          break;
        }
        let decoded = s;
        try {
          decoded = decodeURIComponent(s);
        } catch {
          // keep raw
        }
        params[p.slice(1, -1)] = decoded;
      } else if (p !== s) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    // a literal route wins over a pattern with the same shape (api-docs/resources.json)
    const allow = ["OPTIONS", ...r.methods.map(([m]) => m)].join(",");
    if (method === "OPTIONS") return { kind: "options", allow };
    const h = r.methods.find(([m]) => m === method);
    if (!h) return { kind: "method-not-allowed", allow };
    return { kind: "ok", handler: h[1], path: params };
  }
  return { kind: "not-found" };
}
