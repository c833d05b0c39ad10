/**
 * ARI REST resources for supervising calls: snooping on a channel (`POST /channels/{id}/snoop[/{snoopId}]`),
 * recording a bridge (`POST /bridges/{id}/record`) and the `recordings` resource, with the replies recorded
 * from Asterisk 22.10.1 (ari-ws/ws-17, ws-18) and, where those are silent, resource_channels.c /
 * resource_bridges.c / resource_recordings.c.
 */
import { PbxError, SNOOP_DIRECTIONS, type SimPbx, type SnoopDirection, type StoredRecordingSnapshot } from "../pbx.js";
import type { Reply } from "./http.js";
import { channelJson, liveRecordingJson } from "./json.js";

/** What these handlers read of a request (a subset of the router's `RequestContext`). */
interface RecordingRequest {
  path: Record<string, string>;
  params: Map<string, string>;
}
type RecordingHandler = (pbx: SimPbx, ctx: RecordingRequest) => Reply;

const json = (status: number, body: unknown): Reply => ({ status, json: body });
const message = (status: number, text: string, reason?: string): Reply => ({ status, json: { message: text }, ...(reason ? { reason } : {}) });
const NO_CONTENT: Reply = { status: 204 };

/** PbxError to its ARI reply; anything else is a simulator bug: 500. */
function guard(fn: RecordingHandler): RecordingHandler {
  return (pbx, ctx) => {
    try {
      return fn(pbx, ctx);
    } catch (e) {
      if (!(e instanceof PbxError)) return message(500, "Internal Server Error");
      const status = { "not-found": 404, "bad-request": 400, conflict: 409, unprocessable: 422 }[e.code as string] ?? 500;
      return message(status, e.message);
    }
  };
}

const direction = (raw: string | undefined): SnoopDirection | undefined => {
  const d = raw === undefined || raw === "" ? "none" : raw;
  return (SNOOP_DIRECTIONS as readonly string[]).includes(d) ? (d as SnoopDirection) : undefined;
};

/** `ari_channels_handle_snoop_channel`: the directions, then the app, then the channel, then the snoop. */
function snoop(pbx: SimPbx, ctx: RecordingRequest, snoopId: string | undefined): Reply {
  const spy = direction(ctx.params.get("spy"));
  if (!spy) return message(400, "Invalid direction specified for spy");
  const whisper = direction(ctx.params.get("whisper"));
  if (!whisper) return message(400, "Invalid direction specified for whisper");
  if (spy === "none" && whisper === "none") return message(400, "Direction must be specified for at least spy or whisper");
  const app = ctx.params.get("app") ?? "";
  if (app === "") return message(400, "Application name is required");
  const rawArgs = ctx.params.get("appArgs") ?? "";
  try {
    const c = pbx.snoop(ctx.path.channelId!, { spy, whisper, app, appArgs: rawArgs === "" ? [] : rawArgs.split(","), snoopId });
    return json(200, channelJson(c));
  } catch (e) {
    if (e instanceof PbxError && e.code === "not-found") return message(404, e.message, "Channel Not Found");
    if (e instanceof PbxError) return message(500, e.message, "Internal error");
    throw e;
  }
}

const seconds = (ctx: RecordingRequest, name: string): number | undefined => {
  const raw = ctx.params.get(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : undefined;
};

const record: RecordingHandler = (pbx, ctx) => {
  const name = ctx.params.get("name");
  const r = pbx.recordBridge(ctx.path.bridgeId!, {
    name,
    format: ctx.params.get("format") ?? "",
    maxDurationSeconds: seconds(ctx, "maxDurationSeconds"),
    maxSilenceSeconds: seconds(ctx, "maxSilenceSeconds"),
    ifExists: ctx.params.get("ifExists"),
    beep: /^(true|yes|1)$/i.test(ctx.params.get("beep") ?? ""),
    terminateOn: ctx.params.get("terminateOn"),
  });
  return { status: 201, json: liveRecordingJson(r), headers: [["Location", `/ari/recordings/live/${encodeURIComponent(r.name)}`]] };
};

const storedJson = (s: StoredRecordingSnapshot) => ({ name: s.name, format: s.format });
const name = (ctx: RecordingRequest) => ctx.path.recordingName!;
const control = (op: Parameters<SimPbx["controlRecording"]>[1]): RecordingHandler =>
  guard((pbx, ctx) => {
    pbx.controlRecording(name(ctx), op);
    return NO_CONTENT;
  });

/** The file's content type (Asterisk's, by format); only `wav` was recorded. */
const CONTENT_TYPES: Record<string, string> = { wav: "audio/wav", WAV: "audio/wav", wav16: "audio/wav", gsm: "audio/x-gsm", ulaw: "audio/basic" };

export const RECORDING_ROUTES: Array<[string, Array<[string, RecordingHandler]>]> = [
  ["channels/{channelId}/snoop", [["POST", (pbx, ctx) => snoop(pbx, ctx, ctx.params.get("snoopId") || undefined)]]],
  ["channels/{channelId}/snoop/{snoopId}", [["POST", (pbx, ctx) => snoop(pbx, ctx, ctx.path.snoopId)]]],
  ["bridges/{bridgeId}/record", [["POST", guard(record)]]],
  ["recordings/stored", [["GET", (pbx) => json(200, pbx.storedRecordings().map(storedJson))]]],
  [
    "recordings/stored/{recordingName}",
    [
      [
        "GET",
        (pbx, ctx) => {
          const s = pbx.storedRecording(name(ctx));
          return s ? json(200, storedJson(s)) : message(404, "Recording not found");
        },
      ],
      [
        "DELETE",
        guard((pbx, ctx) => {
          pbx.deleteStoredRecording(name(ctx));
          return NO_CONTENT;
        }),
      ],
    ],
  ],
  [
    "recordings/stored/{recordingName}/file",
    [
      [
        "GET",
        (pbx, ctx) => {
          const s = pbx.storedRecording(name(ctx));
          const data = pbx.storedRecordingFile(name(ctx));
          if (!s || !data) return message(404, "Recording not found");
          return { status: 200, file: { contentType: CONTENT_TYPES[s.format] ?? "application/octet-stream", data } };
        },
      ],
    ],
  ],
  [
    "recordings/stored/{recordingName}/copy",
    [
      [
        "POST",
        guard((pbx, ctx) => {
          const dest = ctx.params.get("destinationRecordingName") ?? "";
          if (dest === "") return message(400, "Missing parameter destinationRecordingName");
          return json(200, storedJson(pbx.copyStoredRecording(name(ctx), dest)));
        }),
      ],
    ],
  ],
  [
    "recordings/live/{recordingName}",
    [
      [
        "GET",
        (pbx, ctx) => {
          const r = pbx.liveRecording(name(ctx));
          return r ? json(200, liveRecordingJson(r)) : message(404, "Recording not found");
        },
      ],
      ["DELETE", control("cancel")],
    ],
  ],
  ["recordings/live/{recordingName}/stop", [["POST", control("stop")]]],
  [
    "recordings/live/{recordingName}/pause",
    [
      ["POST", control("pause")],
      ["DELETE", control("unpause")],
    ],
  ],
  [
    "recordings/live/{recordingName}/mute",
    [
      ["POST", control("mute")],
      ["DELETE", control("unmute")],
    ],
  ],
];
