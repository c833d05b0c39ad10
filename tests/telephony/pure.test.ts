import { describe, expect, it } from "vitest";
import { buildAction } from "../../src/telephony/ami/wire.js";
import { originateResponseSchema, parseAmiEvent } from "../../src/telephony/ami/events.js";
import { AmiInvalidInputError } from "../../src/telephony/ami/errors.js";
import { backoffDelay } from "../../src/telephony/backoff.js";
import { SafeEmitter } from "../../src/telephony/emitter.js";
import {
  AriAuthError,
  AriBadRequestError,
  AriConflictError,
  AriInvalidInputError,
  AriNotFoundError,
  AriServerError,
  AriUnavailableError,
  classifyAriFailure,
  fromLibraryRejection,
  TRANSPORT_FAILURE_PREFIX,
} from "../../src/telephony/ari/errors.js";
import { parseAriFrame } from "../../src/telephony/ari/events.js";
import { isSwaggerDeprecationNotice } from "../../src/telephony/ari/library.js";
import { ariOrigin } from "../../src/telephony/ari/options.js";

describe("backoff", () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 2000, jitter: 0.5 };

  it("doubles from the initial delay, stays within [half, full] of it, and never exceeds the cap", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const exp = Math.min(2000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, policy, () => 0)).toBe(exp / 2);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeLessThanOrEqual(exp);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeGreaterThan(exp * 0.99);
    }
    expect(backoffDelay(1000, policy, () => 0.5)).toBe(1500);
  });

  it("has no randomness with jitter 0", () => {
    expect(backoffDelay(3, { ...policy, jitter: 0 }, Math.random)).toBe(800);
  });
});

describe("ARI error bodies (as recorded from Asterisk 22.10)", () => {
  // operation, body, recorded status, expected class
  const recorded: Array<[string, string, number, Function]> = [
    ["channels.play", '{"message":"Channel not found"}', 404, AriNotFoundError],
    ["channels.answer", '{"message":"Channel not found"}', 404, AriNotFoundError],
    ["channels.getChannelVar", '{"message":"Provided channel was not found"}', 404, AriNotFoundError],
    ["channels.getChannelVar", '{"message":"Provided variable was not found"}', 404, AriNotFoundError],
    ["channels.originate", '{"message":"Channel with given unique ID already exists"}', 409, AriConflictError],
    ["channels.answer", '{"message":"Channel not in Stasis application"}', 409, AriConflictError],
    ["bridges.addChannel", '{"message":"Channel not in Stasis application"}', 422, AriConflictError],
    ["bridges.addChannel", '{"message":"Channel not found"}', 400, AriNotFoundError],
    ["bridges.addChannel", '{"message":"Bridge not found"}', 404, AriNotFoundError],
    ["bridges.removeChannel", '{"message":"Channel not in this bridge"}', 422, AriConflictError],
    ["bridges.destroy", '{"message":"Bridge not found"}', 404, AriNotFoundError],
    ["playbacks.stop", '{"message":"Playback not found"}', 404, AriNotFoundError],
    ["playbacks.control", '{"message":"Can only pause while media is playing"}', 409, AriConflictError],
    ["channels.play", '{"message":"Failed to queue media for playback"}', 500, AriServerError],
    ["channels.originate", '{"error":"Allocation failed"}', 500, AriServerError],
    ["channels.originate", '{"message":"Endpoint must be specified"}', 400, AriBadRequestError],
    ["channels.hangup", '{"message":"Invalid reason for hangup reason provided"}', 400, AriBadRequestError],
    ["bridges.create", `{"message":"Unable to create bridge. Possible duplicate bridge id '(null)'"}`, 500, AriServerError],
    ["applications.get", '{"message":"Application not found"}', 404, AriNotFoundError],
  ];

  it.each(recorded)("%s %s -> HTTP %i", (operation, body, status, cls) => {
    expect(classifyAriFailure(operation, body).status).toBe(status);
    const err = fromLibraryRejection(operation, new Error(body), "pbx1");
    expect(err).toBeInstanceOf(cls);
    expect((err as { status?: number }).status).toBe(status);
    expect(err.serverId).toBe("pbx1");
  });

  it("maps 401, transport failures, path-param strings and raw response objects", () => {
    expect(fromLibraryRejection("channels.answer", new Error('{"message":"Authentication required"}'))).toBeInstanceOf(AriAuthError);
    expect(fromLibraryRejection("channels.answer", new Error(`${TRANSPORT_FAILURE_PREFIX}connect ECONNREFUSED`))).toBeInstanceOf(AriUnavailableError);
    expect(fromLibraryRejection("channels.answer", "channelId is a required path param.")).toBeInstanceOf(AriInvalidInputError);
    const raw = fromLibraryRejection("channels.get", { status: 404, data: "" });
    expect(raw).toBeInstanceOf(AriNotFoundError);
    expect((raw as AriNotFoundError).status).toBe(404);
  });

  it("reads HTML error pages by their title and classifies unknown wording without inventing a status", () => {
    expect(classifyAriFailure("channels.get", "<html><head><title>404 Not Found</title></head></html>")).toEqual({
      kind: "not-found",
      status: undefined,
      message: "404 Not Found",
    });
    expect(classifyAriFailure("x.y", '{"message":"something odd"}')).toEqual({ kind: "unknown", status: undefined, message: "something odd" });
  });
});

describe("ARI frames", () => {
  const channel = {
    id: "1795345572.31",
    name: "Local/s@inbound-stasis-00000010;2",
    state: "Ring",
    protocol_id: "",
    caller: { name: "Inbound Caller", number: "5551234" },
    connected: { name: "Inbound Caller", number: "5551234" },
    accountcode: "",
    dialplan: { context: "inbound-stasis", exten: "s", priority: 2, app_name: "Stasis", app_data: "cti,inbound,5551234" },
    creationtime: "2026-11-22T11:06:12.631+0000",
    language: "en",
  };

  it("parses a recorded StasisStart and a ChannelHangupRequest whose fields come before `type`", () => {
    const start = parseAriFrame(JSON.stringify({ type: "StasisStart", timestamp: "t", args: ["inbound", "5551234"], channel, asterisk_id: "x", application: "cti" }));
    expect(start.kind).toBe("event");
    if (start.kind === "event" && start.event.type === "StasisStart") {
      expect(start.event.args).toEqual(["inbound", "5551234"]);
      expect(start.event.channel.state).toBe("Ring");
    }
    const hup = parseAriFrame(`{"cause":32,"soft":true,"type":"ChannelHangupRequest","channel":${JSON.stringify(channel)}}`);
    expect(hup).toMatchObject({ kind: "event", event: { type: "ChannelHangupRequest", cause: 32, soft: true } });
  });

  it("never throws: garbage, non-objects, missing type, binary, unknown types and malformed known events", () => {
    expect(parseAriFrame("not json{")).toMatchObject({ kind: "invalid" });
    expect(parseAriFrame("[1,2]")).toMatchObject({ kind: "invalid" });
    expect(parseAriFrame("null")).toMatchObject({ kind: "invalid" });
    expect(parseAriFrame('{"no":"type"}')).toMatchObject({ kind: "invalid" });
    expect(parseAriFrame(Buffer.from([0xff, 0x00]), true)).toMatchObject({ kind: "invalid", reason: "binary frame" });
    expect(parseAriFrame('{"type":"ChannelTalkingStarted"}')).toEqual({ kind: "ignored", type: "ChannelTalkingStarted" });
    expect(parseAriFrame('{"type":"StasisStart","channel":{"id":1}}')).toMatchObject({ kind: "invalid", type: "StasisStart" });
  });

  it("maps an unknown channel state to Unknown instead of dropping the event", () => {
    const r = parseAriFrame(JSON.stringify({ type: "ChannelStateChange", channel: { ...channel, state: "Quantum" } }));
    expect(r).toMatchObject({ kind: "event", event: { channel: { state: "Unknown" } } });
  });
});

describe("ARI url and library noise", () => {
  it("accepts a root or /ari URL and refuses other paths, schemes and embedded credentials", () => {
    expect(ariOrigin("http://127.0.0.1:8088").href).toBe("http://127.0.0.1:8088/");
    expect(ariOrigin("http://127.0.0.1:8088/ari/").href).toBe("http://127.0.0.1:8088/");
    expect(() => ariOrigin("http://proxy/asterisk/ari")).toThrow(/only supports ARI at \/ari/);
    expect(() => ariOrigin("ws://127.0.0.1:8088")).toThrow(/http/);
    expect(() => ariOrigin("http://u:p@127.0.0.1:8088")).toThrow(/credentials/);
  });

  it("recognises exactly swagger-client's deprecation line", () => {
    expect(isSwaggerDeprecationNotice([["This API is using a deprecated version of Swagger!  Please see http://x for more info"]])).toBe(true);
    expect(isSwaggerDeprecationNotice(["This API is using a deprecated version of Swagger!"])).toBe(true);
    expect(isSwaggerDeprecationNotice([["something else"]])).toBe(false);
    expect(isSwaggerDeprecationNotice(["This API is using a deprecated version of Swagger!", "extra"])).toBe(false);
  });
});

describe("AMI action building", () => {
  it("keeps well-formed fields, stringifies numbers and booleans, keeps variable maps", () => {
    expect(buildAction("Originate", { Channel: "Local/s@x", Timeout: 3000, Async: true, Variable: { A: "1", B: "x=y" }, Data: undefined }, "sb-1")).toEqual({
      action: "Originate",
      actionid: "sb-1",
      Channel: "Local/s@x",
      Timeout: "3000",
      Async: "true",
      Variable: { A: "1", B: "x=y" },
    });
  });

  const injections: Array<[string, Record<string, unknown>]> = [
    ["CRLF in a value", { CallerID: "Evil <1>\r\n\r\nAction: Hangup\r\nChannel: PJSIP/victim" }],
    ["bare LF in a value", { CallerID: "a\nAction: Hangup" }],
    ["bare CR in a value", { CallerID: "a\rb" }],
    ["NUL in a value", { CallerID: "a\0b" }],
    ["CRLF in a variable value", { Variable: { NOTE: "x\r\nAction: Hangup" } }],
    ["CRLF in a variable name", { Variable: { "X\r\nAction: Hangup\r\n": "1" } }],
    ["= in a variable name", { Variable: { "A=B": "1" } }],
    ["CRLF in a list item", { Codecs: ["ulaw", "alaw\r\nAction: Hangup"] }],
    ["CRLF in a key", { "Channel\r\nAction": "x" }],
    ["space in a key", { "Call erID": "x" }],
    ["a reserved key", { ActionID: "mine" }],
    ["a second Action", { action: "Hangup" }],
  ];
  it.each(injections)("refuses %s", (_what, fields) => {
    expect(() => buildAction("Originate", fields as never, "sb-1")).toThrow(AmiInvalidInputError);
  });

  it("refuses a bad action name", () => {
    expect(() => buildAction("Ping\r\nAction: Hangup", {}, "sb-1")).toThrow(AmiInvalidInputError);
  });
});

describe("AMI events", () => {
  it("types events from asterisk-manager's lower-cased keys", () => {
    const hangup = parseAmiEvent({
      event: "Hangup",
      privilege: "call,all",
      channel: "Local/s@dtmf-driver-0000001f;1",
      channelstate: "6",
      channelstatedesc: "Up",
      calleridnum: "6001",
      calleridname: "AMI Test",
      connectedlinenum: "<unknown>",
      connectedlinename: "<unknown>",
      language: "en",
      accountcode: "",
      context: "after-stasis",
      exten: "s",
      priority: "3",
      uniqueid: "1795345731.60",
      linkedid: "1795345731.60",
      cause: "16",
      "cause-txt": "Normal Clearing",
    });
    expect(hangup).toMatchObject({
      kind: "typed",
      event: { type: "Hangup", channelState: 6, priority: 3, cause: 16, causeText: "Normal Clearing", uniqueId: "1795345731.60", connectedLineNum: undefined },
    });
    expect(parseAmiEvent({ event: "DeviceStateChange", device: "Queue:support", state: "WEIRD" })).toMatchObject({ event: { state: "UNKNOWN" } });
    expect(parseAmiEvent({ event: "SuccessfulAuth" })).toEqual({ kind: "other", name: "SuccessfulAuth" });
    expect(parseAmiEvent({ event: "Newchannel" })).toMatchObject({ kind: "invalid", name: "Newchannel" });
  });

  it("reads a failed OriginateResponse (unknown ids become undefined)", () => {
    const r = originateResponseSchema.parse({
      event: "OriginateResponse",
      actionid: "x",
      response: "Failure",
      channel: "Local/agent9@agents-noanswer",
      context: "after-stasis",
      exten: "s",
      reason: "3",
      uniqueid: "<unknown>",
      calleridnum: "<unknown>",
      calleridname: "<unknown>",
    });
    expect(r).toMatchObject({ success: false, reason: 3, reasonText: "no answer", uniqueId: undefined });
  });
});

describe("SafeEmitter", () => {
  it("isolates throwing and rejecting listeners from each other and from the emitter", async () => {
    const errors: unknown[] = [];
    const em = new SafeEmitter<{ e: number }>((_event, err) => errors.push(err));
    const seen: number[] = [];
    em.on("e", () => {
      throw new Error("sync boom");
    });
    em.on("e", async () => {
      throw new Error("async boom");
    });
    em.on("e", (n) => void seen.push(n));
    const off = em.once("e", (n) => void seen.push(n * 10));
    expect(() => em.emit("e", 1)).not.toThrow();
    em.emit("e", 2);
    off();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 10, 2]);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(["async boom", "async boom", "sync boom", "sync boom"]);
  });
});

describe("exit codes", () => {
  it("tells auth, unavailable and config failures apart (sysexits)", async () => {
    const { telephonyExitCode, AmiAuthError: AmiAuth, AmiTimeoutError, AriConfigError, AriTimeoutError } = await import("../../src/telephony/index.js");
    expect(telephonyExitCode(new AriAuthError("x"))).toBe(77);
    expect(telephonyExitCode(new AmiAuth("x"))).toBe(77);
    expect(telephonyExitCode(new AriUnavailableError("x"))).toBe(69);
    expect(telephonyExitCode(new AriTimeoutError("x"))).toBe(69);
    expect(telephonyExitCode(new AmiTimeoutError("x"))).toBe(69);
    expect(telephonyExitCode(new AriConfigError("x"))).toBe(78);
    expect(telephonyExitCode(new Error("x"))).toBeUndefined();
  });
});
