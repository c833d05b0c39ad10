/**
 * The `events` resource: the WebSocket and the model of every event type the simulator sends
 * (ari-client crashes on a type it has no model for).
 */
import { many, op, q, s, typed, type Model, type ModelProp, type Resource } from "./declaration.js";

const EVENT_TYPES: Record<string, Record<string, ModelProp>> = {
  ApplicationReplaced: {},
  StasisStart: { args: typed("List[string]", "Arguments to the application"), channel: typed("Channel", "The channel"), replace_channel: typed("Channel", "Replaced channel", false) },
  StasisEnd: { channel: typed("Channel", "The channel") },
  ChannelCreated: { channel: typed("Channel", "The channel") },
  ChannelDestroyed: {
    cause: typed("int", "Q.850 cause"),
    cause_txt: s("Cause text"),
    tech_cause: typed("int", "Technology cause (a SIP status), off-nominal ends only", false),
    channel: typed("Channel", "The channel"),
  },
  ChannelStateChange: { channel: typed("Channel", "The channel") },
  ChannelDialplan: { dialplan_app: s("Application"), dialplan_app_data: s("Application data"), channel: typed("Channel", "The channel") },
  ChannelVarset: { variable: s("Variable name"), value: s("New value"), channel: typed("Channel", "The channel", false) },
  ChannelCallerId: { caller_presentation: typed("int", "Presentation"), caller_presentation_txt: s("Presentation text"), channel: typed("Channel", "The channel") },
  ChannelConnectedLine: { channel: typed("Channel", "The channel") },
  ChannelDtmfReceived: { digit: s("DTMF digit"), duration_ms: typed("int", "Duration in ms"), channel: typed("Channel", "The channel") },
  ChannelHangupRequest: {
    cause: typed("int", "Cause (a soft-hangup flag when soft)", false),
    tech_cause: typed("int", "Technology cause (a SIP status), off-nominal ends only", false),
    soft: typed("boolean", "Soft hangup", false),
    channel: typed("Channel", "The channel"),
  },
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
  RecordingStarted: { recording: typed("LiveRecording", "Recording control object") },
  RecordingFinished: { recording: typed("LiveRecording", "Recording control object") },
  RecordingFailed: { recording: typed("LiveRecording", "Recording control object") },
  DeviceStateChanged: { device_state: typed("DeviceState", "Device state") },
  EndpointStateChange: { endpoint: typed("Endpoint", "The endpoint") },
  PeerStatusChange: { endpoint: typed("Endpoint", "The endpoint"), peer: typed("Peer", "The peer") },
  ContactStatusChange: { endpoint: typed("Endpoint", "The endpoint"), contact_info: typed("ContactInfo", "The contact") },
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
    Peer: {
      id: "Peer",
      description: "Detailed information about a remote peer that communicates with Asterisk.",
      properties: { peer_status: s("The current state of the peer") },
    },
    ContactInfo: {
      id: "ContactInfo",
      description: "Detailed information about a contact on an endpoint.",
      properties: {
        uri: s("The location of the contact."),
        contact_status: s("The current status of the contact."),
        aor: s("The Address of Record this contact belongs to."),
        roundtrip_usec: s("Current round trip time, in microseconds, for the contact.", false),
      },
    },
  };
  for (const [name, properties] of Object.entries(EVENT_TYPES)) models[name] = { id: name, description: `${name} event`, properties };
  return models;
}

export const events: Resource = {
  name: "events",
  description: "WebSocket resource",
  apis: () => [
    {
      path: "/events",
      description: "Events from Asterisk to applications",
      operations: [
        {
          ...op("GET", "eventWebsocket", "Message", "WebSocket connection for events.", [
            many(q("app", "string", "Applications to subscribe to.", true)),
            q("subscribeAll", "boolean", "Subscribe to all Asterisk events."),
          ]),
          upgrade: "websocket",
          websocketProtocol: "ari",
        },
      ],
    },
  ],
  models: eventModels,
};
