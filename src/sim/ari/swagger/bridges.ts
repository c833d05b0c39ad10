/** The `bridges` resource: creating and destroying bridges, moving channels in and out. */
import { many, op, oneOf, p, q, s, typed, type Model, type Resource } from "./declaration.js";
import { liveRecordingModel } from "./recordings.js";

const bridgeModel: Model = {
  id: "Bridge",
  description: "A bridge of the simulated PBX",
  properties: {
    id: s("Bridge id"),
    technology: s("Bridging technology"),
    bridge_type: oneOf("Type", ["mixing", "holding"]),
    bridge_class: s("Class (stasis)"),
    creator: s("Creator"),
    name: s("Name"),
    channels: typed("List[string]", "Channel ids in the bridge"),
    creationtime: typed("Date", "When the bridge was created"),
    video_mode: s("Video mode", false),
  },
};

const bridgeId = p("bridgeId", "Bridge's id");
const createParams = [
  q("type", "string", "Comma separated bridge type flags (mixing, holding, dtmf_events, proxy_media)."),
  q("name", "string", "Name to give to the bridge"),
];
const ALREADY_EXISTS: [number, string] = [409, "Bridge with the same bridgeId already exists"];
const NOT_FOUND: [number, string] = [404, "Bridge not found"];

export const bridges: Resource = {
  name: "bridges",
  description: "Bridge resources",
  apis: () => [
    {
      path: "/bridges",
      description: "Active bridges",
      operations: [
        op("GET", "list", "List[Bridge]", "List all bridges."),
        op("POST", "create", "Bridge", "Create a bridge.", [...createParams, q("bridgeId", "string", "Unique id for the bridge")], [ALREADY_EXISTS]),
      ],
    },
    {
      path: "/bridges/{bridgeId}",
      description: "One bridge",
      operations: [
        op("POST", "createWithId", "Bridge", "Create a bridge with a given id.", [bridgeId, ...createParams], [ALREADY_EXISTS]),
        op("GET", "get", "Bridge", "Bridge details.", [bridgeId], [NOT_FOUND]),
        op("DELETE", "destroy", "void", "Destroy a bridge.", [bridgeId], [NOT_FOUND]),
      ],
    },
    {
      path: "/bridges/{bridgeId}/addChannel",
      description: "Add channels",
      operations: [
        op(
          "POST",
          "addChannel",
          "void",
          "Add channels to a bridge.",
          [bridgeId, many(q("channel", "string", "Ids of channels to add", true)), q("role", "string", "Channel's role in the bridge")],
          [[400, "Channel not found"], NOT_FOUND, [409, "Bridge not in Stasis application"], [422, "Channel not in Stasis application"]],
        ),
      ],
    },
    {
      path: "/bridges/{bridgeId}/removeChannel",
      description: "Remove channels",
      operations: [
        op(
          "POST",
          "removeChannel",
          "void",
          "Remove channels from a bridge.",
          [bridgeId, many(q("channel", "string", "Ids of channels to remove", true))],
          [[400, "Channel not found"], NOT_FOUND, [422, "Channel not in this bridge"]],
        ),
      ],
    },
    {
      path: "/bridges/{bridgeId}/record",
      description: "Record audio on a bridge",
      operations: [
        op(
          "POST",
          "record",
          "LiveRecording",
          "Start a recording.",
          [
            bridgeId,
            q("name", "string", "Recording's filename", true),
            q("format", "string", "Format to encode audio in", true),
            q("maxDurationSeconds", "int", "Maximum duration of the recording, in seconds. 0 for no limit.", false, { defaultValue: 0 }),
            q("maxSilenceSeconds", "int", "Maximum duration of silence, in seconds. 0 for no limit.", false, { defaultValue: 0 }),
            q("ifExists", "string", "Action to take if a recording with the same name already exists.", false, { defaultValue: "fail", allowableValues: { valueType: "LIST", values: ["fail", "overwrite", "append"] } }),
            q("beep", "boolean", "Play beep when recording begins", false, { defaultValue: false }),
            q("terminateOn", "string", "DTMF input to terminate recording.", false, { defaultValue: "none", allowableValues: { valueType: "LIST", values: ["none", "any", "*", "#"] } }),
          ],
          [[400, "Invalid parameters"], NOT_FOUND, [409, "Bridge not in a Stasis application; A recording with the same name already exists on the system and can not be overwritten because it is in progress or ifExists=fail"], [422, "The format specified is unknown on this system"]],
        ),
      ],
    },
  ],
  models: () => ({ Bridge: bridgeModel, LiveRecording: liveRecordingModel() }),
};
