/**
 * The simulator's own Swagger 1.1 declarations of the ARI subset it implements.
 *
 * `ari-client` builds its API from these documents: resource names come from the `apis` paths of
 * resources.json, operations from `nickname`s, parameters from their `name`s, and WebSocket event
 * types from the models of `events`. Nicknames and parameter names therefore follow ARI's, and
 * every event type the simulator sends has a model here (an unknown type crashes ari-client).
 */

type ParamType = "path" | "query" | "body";
interface Param {
  name: string;
  description: string;
  paramType: ParamType;
  required: boolean;
  allowMultiple: boolean;
  dataType: string;
  defaultValue?: string | number | boolean;
  allowableValues?: { valueType: "LIST"; values: string[] };
}
interface Operation {
  httpMethod: string;
  summary: string;
  nickname: string;
  responseClass: string;
  parameters?: Param[];
  errorResponses?: Array<{ code: number; reason: string }>;
  upgrade?: string;
  websocketProtocol?: string;
}
interface Api {
  path: string;
  description: string;
  operations: Operation[];
}
interface ModelProp {
  type: string;
  required?: boolean;
  description?: string;
  allowableValues?: { valueType: "LIST"; values: string[] };
}
interface Model {
  id: string;
  description: string;
  properties: Record<string, ModelProp>;
  discriminator?: string;
  subTypes?: string[];
}

const q = (name: string, dataType: string, description: string, required = false, extra: Partial<Param> = {}): Param => ({
  name,
  description,
  paramType: "query",
  required,
  allowMultiple: false,
  dataType,
  ...extra,
});
const p = (name: string, description: string): Param => ({
  name,
  description,
  paramType: "path",
  required: true,
  allowMultiple: false,
  dataType: "string",
});
const body = (name: string, description: string, dataType = "containers"): Param => ({
  name,
  description,
  paramType: "body",
  required: false,
  allowMultiple: false,
  dataType,
});
const op = (
  httpMethod: string,
  nickname: string,
  responseClass: string,
  summary: string,
  parameters: Param[] = [],
  errors: Array<[number, string]> = [],
): Operation => ({
  httpMethod,
  summary,
  nickname,
  responseClass,
  ...(parameters.length ? { parameters } : {}),
  ...(errors.length ? { errorResponses: errors.map(([code, reason]) => ({ code, reason })) } : {}),
});
const s = (description: string, required = true): ModelProp => ({ type: "string", required, description });
const typed = (type: string, description: string, required = true): ModelProp => ({ type, required, description });

const RESOURCES: Array<{ name: string; description: string }> = [
  { name: "asterisk", description: "Asterisk resources" },
  { name: "channels", description: "Channel resources" },
  { name: "bridges", description: "Bridge resources" },
  { name: "playbacks", description: "Playback control resources" },
  { name: "events", description: "WebSocket resource" },
  { name: "applications", description: "Stasis application resources" },
];

const channelModels: Record<string, Model> = {
  CallerID: {
    id: "CallerID",
    description: "Caller identification",
    properties: { name: s("Caller name"), number: s("Caller number") },
  },
  DialplanCEP: {
    id: "DialplanCEP",
    description: "Dialplan location (context/extension/priority)",
    properties: {
      context: s("Context in the dialplan"),
      exten: s("Extension in the dialplan"),
      priority: typed("long", "Priority in the dialplan"),
      app_name: s("Name of current dialplan application"),
      app_data: s("Parameter of current dialplan application"),
    },
  },
  Channel: {
    id: "Channel",
    description: "A channel of the simulated PBX",
    properties: {
      id: s("Unique id (AMI Uniqueid)"),
      name: s("Channel name, e.g. Local/s@ctx-00000001;1"),
      state: {
        type: "string",
        required: true,
        description: "Channel state",
        allowableValues: { valueType: "LIST", values: ["Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring", "Unknown"] },
      },
      protocol_id: s("Protocol id of the channel driver (empty here)"),
      caller: typed("CallerID", "Caller id"),
      connected: typed("CallerID", "Connected line"),
      accountcode: s("Account code"),
      dialplan: typed("DialplanCEP", "Where the channel is in the dialplan"),
      creationtime: typed("Date", "When the channel was created"),
      language: s("Default language"),
    },
  },
  Variable: { id: "Variable", description: "A variable value", properties: { value: s("The value") } },
  Playback: playbackModel(),
};

function playbackModel(): Model {
  return {
    id: "Playback",
    description: "Media playback on a channel",
    properties: {
      id: s("Playback id"),
      media_uri: s("URI of the media being played"),
      next_media_uri: s("URI of the next media, if any", false),
      target_uri: s("channel:<id>"),
      language: s("Language", false),
      state: {
        type: "string",
        required: true,
        description: "Playback state",
        allowableValues: { valueType: "LIST", values: ["queued", "playing", "paused", "continuing", "done", "failed"] },
      },
    },
  };
}

const bridgeModel: Model = {
  id: "Bridge",
  description: "A bridge of the simulated PBX",
  properties: {
    id: s("Bridge id"),
    technology: s("Bridging technology"),
    bridge_type: { type: "string", required: true, description: "Type", allowableValues: { valueType: "LIST", values: ["mixing", "holding"] } },
    bridge_class: s("Class (stasis)"),
    creator: s("Creator"),
    name: s("Name"),
    channels: typed("List[string]", "Channel ids in the bridge"),
    creationtime: typed("Date", "When the bridge was created"),
    video_mode: s("Video mode", false),
  },
};

const channelIdParam = p("channelId", "Channel's id");

function channelsApis(): Api[] {
  const originateParams = (withId: boolean): Param[] => [
    q("endpoint", "string", "Endpoint to call (Tech/resource).", true),
    q("extension", "string", "Extension to go to once answered (with context/priority; instead of app)."),
    q("context", "string", "Context to go to once answered."),
    q("priority", "long", "Priority to go to once answered."),
    q("app", "string", "Stasis application to put the answered channel in."),
    q("appArgs", "string", "Comma separated application arguments."),
    q("callerId", "string", "Caller id (Name <number>)."),
    q("timeout", "int", "Seconds to wait for an answer.", false, { defaultValue: 30 }),
    body("variables", "Channel variables: {\"variables\": {\"NAME\": \"value\"}}."),
    ...(withId ? [] : [q("channelId", "string", "Unique id to give the channel.")]),
    q("otherChannelId", "string", "Unique id of the second channel of a Local pair."),
  ];
  return [
    {
      path: "/channels",
      description: "Active channels",
      operations: [
        op("GET", "list", "List[Channel]", "List all channels."),
        op("POST", "originate", "Channel", "Create a channel and dial it (originate).", originateParams(false), [
          [400, "Invalid parameters"],
          [409, "Channel with given unique ID already exists"],
        ]),
      ],
    },
    {
      path: "/channels/{channelId}",
      description: "One channel",
      operations: [
        op("GET", "get", "Channel", "Channel details.", [channelIdParam], [[404, "Channel not found"]]),
        op("POST", "originateWithId", "Channel", "Originate with a given channel id.", [channelIdParam, ...originateParams(true)], [
          [400, "Invalid parameters"],
          [409, "Channel with given unique ID already exists"],
        ]),
        op(
          "DELETE",
          "hangup",
          "void",
          "Hang up a channel.",
          [channelIdParam, q("reason_code", "string", "Q.850 cause code."), q("reason", "string", "Reason name (normal, busy, congestion, no_answer, ...).")],
          [
            [400, "Invalid reason for hangup provided"],
            [404, "Channel not found"],
          ],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/continue",
      description: "Leave Stasis",
      operations: [
        op(
          "POST",
          "continueInDialplan",
          "void",
          "Leave the Stasis application and continue in the dialplan.",
          [channelIdParam, q("context", "string", "Context"), q("extension", "string", "Extension"), q("priority", "int", "Priority"), q("label", "string", "Label")],
          [
            [404, "Channel not found"],
            [409, "Channel not in a Stasis application"],
          ],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/answer",
      description: "Answer",
      operations: [op("POST", "answer", "void", "Answer a channel.", [channelIdParam], [[404, "Channel not found"], [409, "Channel not in a Stasis application"]])],
    },
    {
      path: "/channels/{channelId}/ring",
      description: "Ringing indication",
      operations: [
        op("POST", "ring", "void", "Indicate ringing to a channel.", [channelIdParam], [[404, "Channel not found"], [409, "Channel not in a Stasis application"]]),
        op("DELETE", "ringStop", "void", "Stop ringing indication.", [channelIdParam], [[404, "Channel not found"], [409, "Channel not in a Stasis application"]]),
      ],
    },
    {
      path: "/channels/{channelId}/dtmf",
      description: "Send DTMF",
      operations: [
        op(
          "POST",
          "sendDTMF",
          "void",
          "Send DTMF to a channel.",
          [
            channelIdParam,
            q("dtmf", "string", "Digits"),
            q("before", "int", "ms before"),
            q("between", "int", "ms between digits", false, { defaultValue: 100 }),
            q("duration", "int", "ms per digit", false, { defaultValue: 100 }),
            q("after", "int", "ms after"),
          ],
          [[400, "DTMF is required"], [404, "Channel not found"], [409, "Channel not in a Stasis application"]],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/moh",
      description: "Music on hold",
      operations: [
        op("POST", "startMoh", "void", "Play music on hold.", [channelIdParam, q("mohClass", "string", "Music on hold class")], [[404, "Channel not found"], [409, "Channel not in a Stasis application"]]),
        op("DELETE", "stopMoh", "void", "Stop music on hold.", [channelIdParam], [[404, "Channel not found"], [409, "Channel not in a Stasis application"]]),
      ],
    },
    {
      path: "/channels/{channelId}/play",
      description: "Play media",
      operations: [
        op(
          "POST",
          "play",
          "Playback",
          "Start playback of media.",
          [
            channelIdParam,
            { ...q("media", "string", "Media URIs (comma separated)", true), allowMultiple: true },
            q("lang", "string", "Language"),
            q("offsetms", "int", "Offset"),
            q("skipms", "int", "Skip", false, { defaultValue: 3000 }),
            q("playbackId", "string", "Playback id"),
          ],
          [[404, "Channel not found"], [409, "Channel not in a Stasis application"]],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/play/{playbackId}",
      description: "Play media with a playback id",
      operations: [
        op(
          "POST",
          "playWithId",
          "Playback",
          "Start playback of media with a given playback id.",
          [
            channelIdParam,
            p("playbackId", "Playback id"),
            { ...q("media", "string", "Media URIs (comma separated)", true), allowMultiple: true },
            q("lang", "string", "Language"),
            q("offsetms", "int", "Offset"),
            q("skipms", "int", "Skip", false, { defaultValue: 3000 }),
          ],
          [[404, "Channel not found"], [409, "Channel not in a Stasis application"]],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/variable",
      description: "Channel variables",
      operations: [
        op("GET", "getChannelVar", "Variable", "Get a channel variable or function.", [channelIdParam, q("variable", "string", "Variable name", true)], [
          [400, "Missing variable parameter."],
          [404, "Channel or variable not found"],
          [409, "Channel not in a Stasis application"],
        ]),
        op(
          "POST",
          "setChannelVar",
          "void",
          "Set a channel variable or function.",
          [channelIdParam, q("variable", "string", "Variable name", true), q("value", "string", "Value")],
          [[400, "Missing variable parameter."], [404, "Channel not found"], [409, "Channel not in a Stasis application"]],
        ),
      ],
    },
  ];
}

function bridgesApis(): Api[] {
  const bridgeId = p("bridgeId", "Bridge's id");
  const createParams = [
    q("type", "string", "Comma separated bridge type flags (mixing, holding, dtmf_events, proxy_media)."),
    q("name", "string", "Name to give to the bridge"),
  ];
  return [
    {
      path: "/bridges",
      description: "Active bridges",
      operations: [
        op("GET", "list", "List[Bridge]", "List all bridges."),
        op("POST", "create", "Bridge", "Create a bridge.", [...createParams, q("bridgeId", "string", "Unique id for the bridge")], [[409, "Bridge with the same bridgeId already exists"]]),
      ],
    },
    {
      path: "/bridges/{bridgeId}",
      description: "One bridge",
      operations: [
        op("POST", "createWithId", "Bridge", "Create a bridge with a given id.", [bridgeId, ...createParams], [[409, "Bridge with the same bridgeId already exists"]]),
        op("GET", "get", "Bridge", "Bridge details.", [bridgeId], [[404, "Bridge not found"]]),
        op("DELETE", "destroy", "void", "Destroy a bridge.", [bridgeId], [[404, "Bridge not found"]]),
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
          [bridgeId, { ...q("channel", "string", "Ids of channels to add", true), allowMultiple: true }, q("role", "string", "Channel's role in the bridge")],
          [[400, "Channel not found"], [404, "Bridge not found"], [409, "Bridge not in Stasis application"], [422, "Channel not in Stasis application"]],
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
          [bridgeId, { ...q("channel", "string", "Ids of channels to remove", true), allowMultiple: true }],
          [[400, "Channel not found"], [404, "Bridge not found"], [422, "Channel not in this bridge"]],
        ),
      ],
    },
  ];
}

function playbacksApis(): Api[] {
  const playbackId = p("playbackId", "Playback's id");
  return [
    {
      path: "/playbacks/{playbackId}",
      description: "A playback",
      operations: [
        op("GET", "get", "Playback", "Playback details.", [playbackId], [[404, "The playback cannot be found"]]),
        op("DELETE", "stop", "void", "Stop a playback.", [playbackId], [[404, "The playback cannot be found"]]),
      ],
    },
    {
      path: "/playbacks/{playbackId}/control",
      description: "Control a playback",
      operations: [
        op(
          "POST",
          "control",
          "void",
          "Control a playback.",
          [
            playbackId,
            q("operation", "string", "Operation", true, {
              allowableValues: { valueType: "LIST", values: ["restart", "pause", "unpause", "reverse", "forward"] },
            }),
          ],
          [[400, "The provided operation parameter was invalid"], [404, "The playback cannot be found"], [409, "The operation cannot be performed in the playback's current state"]],
        ),
      ],
    },
  ];
}

function asteriskApis(): Api[] {
  return [
    {
      path: "/asterisk/info",
      description: "Asterisk system information",
      operations: [op("GET", "getInfo", "AsteriskInfo", "Asterisk system information.", [{ ...q("only", "string", "Filter: build, system, config, status"), allowMultiple: true }])],
    },
    { path: "/asterisk/ping", description: "Liveness", operations: [op("GET", "ping", "AsteriskPing", "Response pong message.")] },
  ];
}

function applicationsApis(): Api[] {
  return [
    { path: "/applications", description: "Stasis applications", operations: [op("GET", "list", "List[Application]", "List all applications.")] },
    {
      path: "/applications/{applicationName}",
      description: "A Stasis application",
      operations: [op("GET", "get", "Application", "Application details.", [p("applicationName", "Application's name")], [[404, "Application does not exist."]])],
    },
  ];
}

function eventsApis(): Api[] {
  return [
    {
      path: "/events",
      description: "Events from Asterisk to applications",
      operations: [
        {
          ...op("GET", "eventWebsocket", "Message", "WebSocket connection for events.", [
            { ...q("app", "string", "Applications to subscribe to.", true), allowMultiple: true },
            q("subscribeAll", "boolean", "Subscribe to all Asterisk events."),
          ]),
          upgrade: "websocket",
          websocketProtocol: "ari",
        },
      ],
    },
  ];
}

const EVENT_TYPES: Record<string, Record<string, ModelProp>> = {
  ApplicationReplaced: {},
  StasisStart: { args: typed("List[string]", "Arguments to the application"), channel: typed("Channel", "The channel"), replace_channel: typed("Channel", "Replaced channel", false) },
  StasisEnd: { channel: typed("Channel", "The channel") },
  ChannelCreated: { channel: typed("Channel", "The channel") },
  ChannelDestroyed: { cause: typed("int", "Q.850 cause"), cause_txt: s("Cause text"), channel: typed("Channel", "The channel") },
  ChannelStateChange: { channel: typed("Channel", "The channel") },
  ChannelDialplan: { dialplan_app: s("Application"), dialplan_app_data: s("Application data"), channel: typed("Channel", "The channel") },
  ChannelVarset: { variable: s("Variable name"), value: s("New value"), channel: typed("Channel", "The channel", false) },
  ChannelCallerId: { caller_presentation: typed("int", "Presentation"), caller_presentation_txt: s("Presentation text"), channel: typed("Channel", "The channel") },
  ChannelConnectedLine: { channel: typed("Channel", "The channel") },
  ChannelDtmfReceived: { digit: s("DTMF digit"), duration_ms: typed("int", "Duration in ms"), channel: typed("Channel", "The channel") },
  ChannelHangupRequest: { cause: typed("int", "Cause (a soft-hangup flag when soft)", false), soft: typed("boolean", "Soft hangup", false), channel: typed("Channel", "The channel") },
  ChannelEnteredBridge: { bridge: typed("Bridge", "The bridge"), channel: typed("Channel", "The channel", false) },
  ChannelLeftBridge: { bridge: typed("Bridge", "The bridge"), channel: typed("Channel", "The channel") },
  BridgeCreated: { bridge: typed("Bridge", "The bridge") },
  BridgeDestroyed: { bridge: typed("Bridge", "The bridge") },
  Dial: {
    caller: typed("Channel", "Calling channel", false),
    peer: typed("Channel", "Dialed channel"),
    forward: s("Forward target", false),
    forwarded: typed("Channel", "Forwarded channel", false),
    dialstring: s("Dial string", false),
    dialstatus: s("Dial status"),
  },
  PlaybackStarted: { playback: typed("Playback", "The playback") },
  PlaybackContinuing: { playback: typed("Playback", "The playback") },
  PlaybackFinished: { playback: typed("Playback", "The playback") },
  DeviceStateChanged: { device_state: typed("DeviceState", "Device state") },
};

function eventModels(): Record<string, Model> {
  const models: Record<string, Model> = {
    Message: {
      id: "Message",
      description: "Base type for errors and events",
      discriminator: "type",
      properties: { type: s("Message type"), asterisk_id: s("Entity id of the Asterisk instance", false) },
      subTypes: ["MissingParams", "Event"],
    },
    MissingParams: {
      id: "MissingParams",
      description: "Error: missing parameters",
      properties: { params: typed("List[string]", "Missing parameters") },
    },
    Event: {
      id: "Event",
      description: "Base type of WebSocket events",
      properties: { application: s("Application receiving the event"), timestamp: typed("Date", "When the event was created") },
      subTypes: Object.keys(EVENT_TYPES),
    },
    DeviceState: {
      id: "DeviceState",
      description: "A device state",
      properties: { name: s("Device name"), state: s("Device state") },
    },
  };
  for (const [name, properties] of Object.entries(EVENT_TYPES)) models[name] = { id: name, description: `${name} event`, properties };
  return models;
}

function resourceModels(name: string): Record<string, Model> {
  switch (name) {
    case "channels":
      return channelModels;
    case "bridges":
      return { Bridge: bridgeModel };
    case "playbacks":
      return { Playback: playbackModel() };
    case "events":
      return eventModels();
    case "applications":
      return {
        Application: {
          id: "Application",
          description: "A Stasis application",
          properties: {
            name: s("Name"),
            channel_ids: typed("List[string]", "Subscribed channel ids"),
            bridge_ids: typed("List[string]", "Subscribed bridge ids"),
            endpoint_ids: typed("List[string]", "Subscribed endpoints"),
            device_names: typed("List[string]", "Subscribed devices"),
            events_allowed: typed("List[object]", "Event type filter (allowed)"),
            events_disallowed: typed("List[object]", "Event type filter (disallowed)"),
          },
        },
      };
    case "asterisk":
      return {
        AsteriskInfo: {
          id: "AsteriskInfo",
          description: "Asterisk system information",
          properties: {
            build: typed("object", "Build information", false),
            system: typed("object", "System information", false),
            config: typed("object", "Configuration", false),
            status: typed("object", "Status", false),
          },
        },
        AsteriskPing: {
          id: "AsteriskPing",
          description: "Ping reply",
          properties: { asterisk_id: s("Entity id"), ping: s("Always pong"), timestamp: s("Time of the reply") },
        },
      };
    default:
      return {};
  }
}

const API_VERSION = "10.0.0";

export function resourcesJson(basePath: string): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: "1.1",
    basePath,
    apis: RESOURCES.map((r) => ({ path: `/api-docs/${r.name}.{format}`, description: r.description })),
  };
}

const APIS: Record<string, () => Api[]> = {
  asterisk: asteriskApis,
  channels: channelsApis,
  bridges: bridgesApis,
  playbacks: playbacksApis,
  events: eventsApis,
  applications: applicationsApis,
};

/** The declaration of one resource, or undefined if the simulator does not implement it. */
export function resourceJson(name: string, basePath: string): Record<string, unknown> | undefined {
  const apis = APIS[name];
  if (!apis) return undefined;
  return {
    apiVersion: API_VERSION,
    swaggerVersion: "1.1",
    basePath,
    resourcePath: `/api-docs/${name}.{format}`,
    apis: apis(),
    models: resourceModels(name),
  };
}

export const IMPLEMENTED_RESOURCES = RESOURCES.map((r) => r.name);
