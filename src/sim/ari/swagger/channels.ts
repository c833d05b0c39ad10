/**
 * The `channels` resource, the largest: originate and hang up, Stasis control (continue, answer,
 * ringing, DTMF, hold, mute, music on hold), media playback and channel variables.
 */
import { body, many, oneOf, op, p, q, s, typed, type Api, type ErrorList, type Model, type Param, type Resource } from "./declaration.js";
import { playbackModel } from "./playbacks.js";

function channelModels(): Record<string, Model> {
  return {
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
        state: oneOf("Channel state", ["Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring", "Unknown"]),
        protocol_id: s("Protocol id of the channel driver (the SIP Call-ID of a PJSIP channel, empty for Local)"),
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
}

const channelIdParam = p("channelId", "Channel's id");
const NOT_FOUND: [number, string] = [404, "Channel not found"];
const NOT_IN_STASIS: [number, string] = [409, "Channel not in a Stasis application"];
/** The errors of every operation that needs the channel in Stasis. */
const IN_STASIS: ErrorList = [NOT_FOUND, NOT_IN_STASIS];
const ORIGINATE_ERRORS: ErrorList = [
  [400, "Invalid parameters"],
  [409, "Channel with given unique ID already exists"],
];

/** `originate` names the new channel by a parameter, `originateWithId` by its path. */
function originateParams(withId: boolean): Param[] {
  return [
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
}

/** Listing, originating, inspecting and hanging up channels. */
function lifecycleApis(): Api[] {
  return [
    {
      path: "/channels",
      description: "Active channels",
      operations: [
        op("GET", "list", "List[Channel]", "List all channels."),
        op("POST", "originate", "Channel", "Create a channel and dial it (originate).", originateParams(false), ORIGINATE_ERRORS),
      ],
    },
    {
      path: "/channels/{channelId}",
      description: "One channel",
      operations: [
        op("GET", "get", "Channel", "Channel details.", [channelIdParam], [NOT_FOUND]),
        op("POST", "originateWithId", "Channel", "Originate with a given channel id.", [channelIdParam, ...originateParams(true)], ORIGINATE_ERRORS),
        op(
          "DELETE",
          "hangup",
          "void",
          "Hang up a channel.",
          [channelIdParam, q("reason_code", "string", "Q.850 cause code."), q("reason", "string", "Reason name (normal, busy, congestion, no_answer, ...).")],
          [[400, "Invalid reason for hangup provided"], NOT_FOUND],
        ),
      ],
    },
  ];
}

/** Which audio a mute silences: `in` (from the channel), `out` (to it) or both. */
const muteDirection = q("direction", "string", "Direction in which to mute audio", false, { defaultValue: "both", allowableValues: { valueType: "LIST", values: ["both", "in", "out"] } });

/** What a Stasis application does to a channel it holds: leave, answer, ring, DTMF, hold, mute, hold music. */
function controlApis(): Api[] {
  return [
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
          IN_STASIS,
        ),
      ],
    },
    {
      path: "/channels/{channelId}/redirect",
      description: "Transfer by the channel's own technology",
      operations: [
        op(
          "POST",
          "redirect",
          "void",
          "Ask the channel's technology to transfer it (a SIP REFER for PJSIP; nothing for Local).",
          [channelIdParam, q("endpoint", "string", "Target (Tech/resource) of the channel's own technology.", true)],
          [[400, "No endpoint given"], NOT_FOUND, NOT_IN_STASIS, [422, "Endpoint of another technology than the channel's"]],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/answer",
      description: "Answer",
      operations: [op("POST", "answer", "void", "Answer a channel.", [channelIdParam], IN_STASIS)],
    },
    {
      path: "/channels/{channelId}/ring",
      description: "Ringing indication",
      operations: [
        op("POST", "ring", "void", "Indicate ringing to a channel.", [channelIdParam], IN_STASIS),
        op("DELETE", "ringStop", "void", "Stop ringing indication.", [channelIdParam], IN_STASIS),
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
          [[400, "DTMF is required"], ...IN_STASIS],
        ),
      ],
    },
    {
      path: "/channels/{channelId}/moh",
      description: "Music on hold",
      operations: [
        op("POST", "startMoh", "void", "Play music on hold.", [channelIdParam, q("mohClass", "string", "Music on hold class")], IN_STASIS),
        op("DELETE", "stopMoh", "void", "Stop music on hold.", [channelIdParam], IN_STASIS),
      ],
    },
    {
      path: "/channels/{channelId}/hold",
      description: "Put a channel on hold",
      operations: [
        op("POST", "hold", "void", "Hold a channel.", [channelIdParam], IN_STASIS),
        op("DELETE", "unhold", "void", "Remove a channel from hold.", [channelIdParam], IN_STASIS),
      ],
    },
    {
      path: "/channels/{channelId}/mute",
      description: "Mute a channel",
      operations: [
        op("POST", "mute", "void", "Mute a channel.", [channelIdParam, muteDirection], [[400, "Invalid direction"], ...IN_STASIS]),
        op("DELETE", "unmute", "void", "Unmute a channel.", [channelIdParam, muteDirection], [[400, "Invalid direction"], ...IN_STASIS]),
      ],
    },
  ];
}

/** What to play, shared by `play` and `playWithId`. */
const mediaParams: Param[] = [
  many(q("media", "string", "Media URIs (comma separated)", true)),
  q("lang", "string", "Language"),
  q("offsetms", "int", "Offset"),
  q("skipms", "int", "Skip", false, { defaultValue: 3000 }),
];

function playApis(): Api[] {
  return [
    {
      path: "/channels/{channelId}/play",
      description: "Play media",
      operations: [
        op("POST", "play", "Playback", "Start playback of media.", [channelIdParam, ...mediaParams, q("playbackId", "string", "Playback id")], IN_STASIS),
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
          [channelIdParam, p("playbackId", "Playback id"), ...mediaParams],
          IN_STASIS,
        ),
      ],
    },
  ];
}

/** Snooping: a new channel that listens to (spy) and whispers into a channel, in a Stasis application. */
function snoopApis(): Api[] {
  const direction = (n: string, what: string) => q(n, "string", what, false, { defaultValue: "none", allowableValues: { valueType: "LIST", values: ["none", "both", "out", "in"] } });
  const params = [direction("spy", "Direction of audio to spy on"), direction("whisper", "Direction of audio to whisper into"), q("app", "string", "Application the snooping channel is placed into", true), q("appArgs", "string", "The application arguments to pass to the Stasis application")];
  const errors: ErrorList = [[400, "Invalid parameters"], [404, "Channel not found"]];
  return [
    {
      path: "/channels/{channelId}/snoop",
      description: "Snoop (spy/whisper) on a channel",
      operations: [op("POST", "snoopChannel", "Channel", "Start snooping.", [channelIdParam, ...params, q("snoopId", "string", "Unique ID to assign to snooping channel")], errors)],
    },
    {
      path: "/channels/{channelId}/snoop/{snoopId}",
      description: "Snoop (spy/whisper) on a channel",
      operations: [op("POST", "snoopChannelWithId", "Channel", "Start snooping.", [channelIdParam, p("snoopId", "Unique ID to assign to snooping channel"), ...params], errors)],
    },
  ];
}

function variableApis(): Api[] {
  const variable = q("variable", "string", "Variable name", true);
  return [
    {
      path: "/channels/{channelId}/variable",
      description: "Channel variables",
      operations: [
        op("GET", "getChannelVar", "Variable", "Get a channel variable or function.", [channelIdParam, variable], [
          [400, "Missing variable parameter."],
          [404, "Channel or variable not found"],
          NOT_IN_STASIS,
        ]),
        op(
          "POST",
          "setChannelVar",
          "void",
          "Set a channel variable or function.",
          [channelIdParam, variable, q("value", "string", "Value")],
          [[400, "Missing variable parameter."], ...IN_STASIS],
        ),
      ],
    },
  ];
}

export const channels: Resource = {
  name: "channels",
  description: "Channel resources",
  apis: () => [...lifecycleApis(), ...controlApis(), ...playApis(), ...variableApis(), ...snoopApis()],
  models: channelModels,
};
