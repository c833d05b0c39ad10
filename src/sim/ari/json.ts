/** ARI JSON shapes (field names, order and types as Asterisk 22 sends them). */
import type { BridgeSnapshot, ChannelSnapshot, EndpointSnapshot, LiveRecordingSnapshot, PbxEvent, PlaybackSnapshot } from "../pbx.js";

/** `2026-11-22T11:06:12.632+0000` (UTC). */
export function ariTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

export function channelJson(c: ChannelSnapshot): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    protocol_id: c.protocolId,
    caller: { name: c.caller.name, number: c.caller.number },
    connected: { name: c.connected.name, number: c.connected.number },
    accountcode: c.accountcode,
    dialplan: {
      context: c.dialplan.context,
      exten: c.dialplan.exten,
      priority: c.dialplan.priority,
      app_name: c.dialplan.appName,
      app_data: c.dialplan.appData,
    },
    creationtime: ariTime(c.creationTime),
    language: c.language,
  };
}

export function bridgeJson(b: BridgeSnapshot): Record<string, unknown> {
  return {
    id: b.id,
    technology: b.technology,
    bridge_type: b.bridgeType,
    bridge_class: b.bridgeClass,
    creator: b.creator,
    name: b.name,
    channels: [...b.channels],
    creationtime: ariTime(b.creationTime),
    video_mode: b.videoMode,
  };
}

export function endpointJson(e: EndpointSnapshot): Record<string, unknown> {
  return { technology: e.technology, resource: e.resource, state: e.state, channel_ids: [...e.channelIds] };
}

export function playbackJson(p: PlaybackSnapshot): Record<string, unknown> {
  const o: Record<string, unknown> = { id: p.id, media_uri: p.mediaUri };
  if (p.nextMediaUri !== undefined) o.next_media_uri = p.nextMediaUri;
  o.target_uri = p.targetUri;
  o.language = p.language;
  o.state = p.state;
  return o;
}

/** ARI's LiveRecording: `duration` once it is over, `cause` when it failed. */
export function liveRecordingJson(r: LiveRecordingSnapshot): Record<string, unknown> {
  const o: Record<string, unknown> = { name: r.name, format: r.format, state: r.state, target_uri: r.targetUri };
  if (r.duration !== undefined) o.duration = r.duration;
  if (r.cause !== undefined) o.cause = r.cause;
  return o;
}

/**
 * The ARI frame for `event` as delivered to `app`, or undefined when the event has no ARI
 * counterpart. Key order follows the recorded frames.
 */
export function eventFrame(event: PbxEvent, app: string, asteriskId: string): Record<string, unknown> | undefined {
  const ts = ariTime(event.at);
  const tail = { asterisk_id: asteriskId, application: app };
  switch (event.type) {
    case "StasisStart": {
      const o: Record<string, unknown> = { type: "StasisStart", timestamp: ts, args: [...event.args], channel: channelJson(event.channel) };
      if (event.replaceChannel) o.replace_channel = channelJson(event.replaceChannel);
      return { ...o, ...tail };
    }
    case "StasisEnd":
      return { type: "StasisEnd", timestamp: ts, channel: channelJson(event.channel), ...tail };
    case "ChannelCreated":
      return { type: "ChannelCreated", timestamp: ts, channel: channelJson(event.channel), ...tail };
    case "ChannelStateChange":
      return { type: "ChannelStateChange", timestamp: ts, channel: channelJson(event.channel), ...tail };
    case "ChannelDialplan":
      return {
        type: "ChannelDialplan",
        timestamp: ts,
        dialplan_app: event.app,
        dialplan_app_data: event.appData,
        channel: channelJson(event.channel),
        ...tail,
      };
    case "ChannelVarset":
      return { variable: event.variable, value: event.value, type: "ChannelVarset", timestamp: ts, channel: channelJson(event.channel), ...tail };
    case "ChannelCallerId":
      return {
        type: "ChannelCallerId",
        timestamp: ts,
        caller_presentation: event.callerPresentation,
        caller_presentation_txt: event.callerPresentationTxt,
        channel: channelJson(event.channel),
        ...tail,
      };
    case "ChannelConnectedLine":
      return { type: "ChannelConnectedLine", timestamp: ts, channel: channelJson(event.channel), ...tail };
    case "Dial": {
      const o: Record<string, unknown> = {
        type: "Dial",
        timestamp: ts,
        dialstatus: event.dialstatus,
        forward: event.forward,
        dialstring: event.dialstring,
      };
      if (event.caller) o.caller = channelJson(event.caller);
      o.peer = channelJson(event.peer);
      return { ...o, ...tail };
    }
    case "DtmfEnd":
      if (event.direction !== "Received") return undefined;
      return {
        type: "ChannelDtmfReceived",
        timestamp: ts,
        digit: event.digit,
        duration_ms: event.durationMs,
        channel: channelJson(event.channel),
        ...tail,
      };
    case "ChannelHangupRequest": {
      // tech_cause only for an off-nominal end (ws-20 B: {"cause":17,"tech_cause":486,...})
      const tech = event.techCause ? { tech_cause: event.techCause } : {};
      return event.soft
        ? { cause: event.cause, ...tech, soft: true, type: "ChannelHangupRequest", timestamp: ts, channel: channelJson(event.channel), ...tail }
        : { cause: event.cause, ...tech, type: "ChannelHangupRequest", timestamp: ts, channel: channelJson(event.channel), ...tail };
    }
    case "ChannelDestroyed":
      return {
        type: "ChannelDestroyed",
        timestamp: ts,
        cause: event.cause,
        cause_txt: event.causeTxt,
        ...(event.techCause ? { tech_cause: event.techCause } : {}),
        channel: channelJson(event.channel),
        ...tail,
      };
    case "BridgeCreated":
      return { type: "BridgeCreated", timestamp: ts, bridge: bridgeJson(event.bridge), ...tail };
    case "BridgeDestroyed":
      return { type: "BridgeDestroyed", timestamp: ts, bridge: bridgeJson(event.bridge), ...tail };
    case "ChannelEnteredBridge":
      return { type: "ChannelEnteredBridge", timestamp: ts, bridge: bridgeJson(event.bridge), channel: channelJson(event.channel), ...tail };
    case "ChannelLeftBridge":
      return { type: "ChannelLeftBridge", timestamp: ts, bridge: bridgeJson(event.bridge), channel: channelJson(event.channel), ...tail };
    case "PlaybackStarted":
    case "PlaybackContinuing":
    case "PlaybackFinished":
      return { type: event.type, timestamp: ts, playback: playbackJson(event.playback), ...tail };
    case "RecordingStarted":
    case "RecordingFinished":
    case "RecordingFailed":
      return { type: event.type, timestamp: ts, recording: liveRecordingJson(event.recording), ...tail };
    case "EndpointStateChange":
      return { type: event.type, timestamp: ts, endpoint: endpointJson(event.endpoint), ...tail };
    case "PeerStatusChange":
      return { type: event.type, timestamp: ts, endpoint: endpointJson(event.endpoint), peer: { peer_status: event.peerStatus }, ...tail };
    case "ContactStatusChange": {
      const c = event.contact;
      // roundtrip_usec is a string on the wire (recorded)
      const contactInfo = { uri: c.uri, contact_status: c.status, aor: c.aor, roundtrip_usec: String(c.roundtripUsec) };
      return { type: event.type, timestamp: ts, endpoint: endpointJson(event.endpoint), contact_info: contactInfo, ...tail };
    }
    case "DeviceStateChanged":
      return {
        type: "DeviceStateChanged",
        application: app,
        timestamp: ts,
        device_state: { name: event.device, state: event.state },
        asterisk_id: asteriskId,
      };
    default:
      return undefined;
  }
}
