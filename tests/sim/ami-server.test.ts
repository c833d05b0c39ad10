/**
 * The simulator's AMI server over real TCP on 127.0.0.1: login, errors, event delivery to several
 * sessions, actions on live calls, and clients that misbehave (garbage, oversized lines, half-sent
 * messages, floods, disconnecting in the middle of an action).
 */
import fc from "fast-check";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startAmiServer, type AmiServer, type AmiServerOptions } from "../../src/sim/ami/server.js";
import { SimPbx } from "../../src/sim/pbx.js";
import { get, kind, RawAmi, until, type Msg } from "./ami-test-client.js";

const TIME_SCALE = 0.05;

let pbx: SimPbx | undefined;
let ami: AmiServer | undefined;
const clients: RawAmi[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await ami?.close();
  pbx?.stop();
  ami = undefined;
  pbx = undefined;
});

async function start(opts: Partial<AmiServerOptions> = {}): Promise<{ pbx: SimPbx; ami: AmiServer }> {
  pbx = new SimPbx({ timeScale: TIME_SCALE });
  ami = await startAmiServer(pbx, { users: { cti: "cti", other: "pw" }, ...opts });
  return { pbx, ami };
}

async function client(port = ami!.port): Promise<RawAmi> {
  const c = await RawAmi.connect(port);
  clients.push(c);
  return c;
}

const events = (c: RawAmi, name?: string): Msg[] => c.messages.filter((m) => m[0]?.[0] === "Event" && (name === undefined || m[0][1] === name));

describe("sessions", () => {
  it("greets with the one-line banner, logs in, pings and says goodbye", async () => {
    await start();
    const c = await client();
    await until(() => c.raw.length > 0);
    expect(c.raw).toBe("Asterisk Call Manager/11.0.0\r\n");
    await c.login();
    await c.waitFor((m) => kind(m) === "Event:SuccessfulAuth");
    expect(c.messages.map(kind)).toEqual(["Response:Success", "Event:FullyBooted", "Event:SuccessfulAuth"]);
    const pong = await c.request({ Action: "Ping", ActionID: "p1" });
    expect(pong.map(([k]) => k)).toEqual(["Response", "ActionID", "Ping", "Timestamp"]);
    expect(get(pong, "Timestamp")).toMatch(/^\d{10}\.\d{6}$/);
    c.action({ Action: "Logoff", ActionID: "bye" });
    await c.closed;
    expect(c.raw.endsWith("Response: Goodbye\r\nActionID: bye\r\nMessage: Thanks for all the fish.\r\n\r\n")).toBe(true);
    await until(() => ami!.sessionCount === 0);
  });

  it("refuses a wrong secret or an unknown user and closes the connection", async () => {
    await start();
    for (const [user, secret] of [
      ["cti", "wrong"],
      ["nobody", "cti"],
      ["", ""],
    ] as const) {
      const c = await client();
      const t0 = Date.now();
      c.action({ Action: "Login", Username: user, Secret: secret, ActionID: "bad" });
      await c.closed;
      expect(c.messages).toEqual([
        [
          ["Response", "Error"],
          ["ActionID", "bad"],
          ["Message", "Authentication failed"],
        ],
      ]);
      // Asterisk waits a (simulated) second before it answers
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000 * TIME_SCALE - 5);
    }
    await until(() => ami!.sessionCount === 0);
  });

  it("answers every action but Login and Logoff with Permission denied before login, and stays open", async () => {
    await start();
    const c = await client();
    const denied = await c.request({ Action: "CoreShowChannels", ActionID: "early" });
    expect(denied).toEqual([
      ["Response", "Error"],
      ["ActionID", "early"],
      ["Message", "Permission denied"],
    ]);
    const unknown = await c.request({ Action: "NoSuchThing", ActionID: "u" });
    expect(get(unknown, "Message")).toBe("Permission denied");
    c.send("Username: cti\r\n\r\n");
    await c.waitFor((m) => get(m, "Message") === "Missing action in request");
    expect(c.open).toBe(true);
    await c.login();
    c.action({ Action: "Logoff" });
    await c.closed;
  });

  it("closes a connection that does not log in within the login timeout", async () => {
    await start({ limits: { authTimeoutMs: 100 } });
    const idle = await client();
    const active = await client();
    await active.login();
    await idle.closed;
    expect(idle.raw).toBe("Asterisk Call Manager/11.0.0\r\n");
    await new Promise((r) => setTimeout(r, 150));
    expect((await active.request({ Action: "Ping" })).length).toBeGreaterThan(0);
  });

  it("answers Login twice with Already authenticated", async () => {
    await start();
    const c = await client();
    await c.login();
    const again = await c.request({ Action: "Login", Username: "cti", Secret: "cti" });
    expect(get(again, "Message")).toBe("Already authenticated");
  });

  it("serves pipelined actions in order, even a thousand in one write", async () => {
    await start();
    const c = await client();
    let text = "Action: Login\r\nUsername: cti\r\nSecret: cti\r\nEvents: off\r\n\r\n";
    for (let i = 0; i < 1000; i++) text += `Action: Ping\r\nActionID: ${i}\r\n\r\n`;
    c.send(text);
    await until(() => c.messages.length === 1001, 10_000, "1001 replies");
    expect(c.messages.slice(1).map((m) => get(m, "ActionID"))).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });
});

describe("events", () => {
  it("reach every logged-in session, filtered by each session's event mask", async () => {
    const { pbx } = await start();
    const all = await client();
    const callOnly = await client();
    const none = await client();
    const notLoggedIn = await client();
    await all.login();
    await callOnly.login("other", "pw", "call");
    await none.login("cti", "cti", "off");
    pbx.originate({ endpoint: "Local/agent1@agents", application: "Wait", data: "1", variables: { AGENT_TALK: "1" } });
    await all.waitFor((m) => kind(m) === "Event:Hangup" && /;2$/.test(get(m, "Channel") ?? ""), 5000);
    await until(() => events(callOnly, "Hangup").length === 2);
    const names = (c: RawAmi): string[] => [...new Set(events(c).map((m) => get(m, "Event")!))].sort();
    expect(names(all)).toEqual(expect.arrayContaining(["Newchannel", "Newexten", "VarSet", "Newstate", "DialBegin", "DialEnd", "Hangup", "Cdr", "DeviceStateChange"]));
    // `call` class only: no dialplan (Newexten, VarSet), cdr or security events
    expect(names(callOnly)).not.toContain("Newexten");
    expect(names(callOnly)).not.toContain("VarSet");
    expect(names(callOnly)).not.toContain("Cdr");
    expect(names(callOnly)).toContain("Newchannel");
    expect(events(none)).toEqual([]);
    expect(notLoggedIn.messages).toEqual([]);
  });

  it("can be switched off and on with the Events action", async () => {
    const { pbx } = await start();
    const c = await client();
    await c.login();
    const off = await c.request({ Action: "Events", EventMask: "off", ActionID: "off" });
    expect(off).toEqual([
      ["Response", "Success"],
      ["ActionID", "off"],
      ["Events", "Off"],
    ]);
    const before = events(c).length;
    pbx.originate({ endpoint: "Local/s@after-stasis", application: "Wait", data: "0" });
    await new Promise((r) => setTimeout(r, 100));
    expect(events(c).length).toBe(before);
    expect(get(await c.request({ Action: "Events", EventMask: "call,dialplan" }), "Events")).toBe("On");
    pbx.originate({ endpoint: "Local/s@after-stasis", application: "Wait", data: "0" });
    await c.waitFor((m) => kind(m) === "Event:Newchannel");
    expect(get(await c.request({ Action: "Events", EventMask: "" }), "Message")).toBe("Invalid event mask");
  });

  it("carry DTMF, caller id, hangup causes and an unanswered call's end", async () => {
    const { pbx } = await start();
    const c = await client();
    await c.login();
    pbx.originate({
      endpoint: "Local/s@dtmf-driver",
      application: "Wait",
      data: "10",
      callerId: { name: "Zoë", number: "5551234" },
      variables: { DTMF_DELAY: "0", DTMF_DIGITS: "12", DTMF_HOLD: "0" },
    });
    await c.waitFor((m) => kind(m) === "Event:Hangup" && /;1$/.test(get(m, "Channel") ?? ""), 5000);
    const ends = events(c, "DTMFEnd");
    expect(ends.map((m) => [get(m, "Digit"), get(m, "Direction")])).toEqual([
      ["1", "Sent"],
      ["1", "Received"],
      ["2", "Sent"],
      ["2", "Received"],
    ]);
    expect(ends[0]!.slice(-3).map(([k]) => k)).toEqual(["Digit", "DurationMs", "Direction"]);
    expect(get(events(c, "NewCallerid")[0]!, "CallerIDName")).toBe("Zoë");
    expect(get(events(c, "NewCallerid")[0]!, "CID-CallingPres")).toBe("0 (Presentation Allowed, Not Screened)");
    const hangups = events(c, "Hangup");
    expect(hangups.map((m) => [get(m, "Cause"), get(m, "Cause-txt")])).toEqual([
      ["16", "Normal Clearing"],
      ["16", "Normal Clearing"],
    ]);
  });
});

describe("actions on live calls", () => {
  it("list, inspect, change and hang up a call", async () => {
    const { pbx } = await start();
    const c = await client();
    await c.login("cti", "cti", "call,dialplan");
    pbx.originate({ endpoint: "Local/s@caller-hold", application: "Wait", data: "60", callerId: "Caller <5550001>" });
    await c.waitFor((m) => kind(m) === "Event:Newexten" && get(m, "Application") === "Wait" && /;2$/.test(get(m, "Channel") ?? ""), 5000);

    c.action({ Action: "CoreShowChannels", ActionID: "csc" });
    await c.waitFor((m) => kind(m) === "Event:CoreShowChannelsComplete");
    const rows = c.messages.filter((m) => kind(m) === "Event:CoreShowChannel");
    expect(rows.map((m) => get(m, "Channel")!.replace(/-[0-9a-f]{8}/, ""))).toEqual(["Local/s@caller-hold;1", "Local/s@caller-hold;2"]);
    expect(rows[0]!.map(([k]) => k).slice(0, 3)).toEqual(["Event", "ActionID", "Channel"]);
    expect(rows[0]!.slice(-4).map(([k]) => k)).toEqual(["Application", "ApplicationData", "Duration", "BridgeId"]);
    const name = get(rows[1]!, "Channel")!;

    const set = await c.request({ Action: "Setvar", Channel: name, Variable: "CUSTOMER", Value: "42" });
    expect(get(set, "Message")).toBe("Variable Set");
    await c.waitFor((m) => kind(m) === "Event:VarSet" && get(m, "Variable") === "CUSTOMER");
    expect(get(await c.request({ Action: "Getvar", Channel: name, Variable: "CUSTOMER" }), "Value")).toBe("42");
    expect(get(await c.request({ Action: "Getvar", Channel: name, Variable: "CALLERID(num)" }), "Value")).toBe("5550001");
    await c.request({ Action: "Setvar", Variable: "GLOBAL_X", Value: "g" });
    expect(get(await c.request({ Action: "Getvar", Variable: "GLOBAL_X" }), "Value")).toBe("g");

    c.action({ Action: "Status", Channel: name, Variables: "CUSTOMER", ActionID: "st" });
    const done = await c.waitFor((m) => kind(m) === "Event:StatusComplete");
    expect(done).toEqual([
      ["Event", "StatusComplete"],
      ["ActionID", "st"],
      ["EventList", "Complete"],
      ["ListItems", "1"],
      ["Items", "1"],
    ]);
    const item = c.messages.find((m) => kind(m) === "Event:Status")!;
    expect(get(item, "Variable")).toBe("CUSTOMER=42");
    expect(item.at(-1)).toEqual(["ActionID", "st"]);

    const cmd = await c.request({ Action: "Command", Command: "core show channels" });
    const out = cmd.filter(([k]) => k === "Output").map(([, v]) => v);
    expect(out[0]).toMatch(/^Channel {58}Location {25}State {3}Application\(Data\) {13}$/);
    // ;1 is still being dialed (caller-hold never answers): only ;2 runs dialplan
    expect(out.slice(-3, -1)).toEqual(["2 active channels", "1 active call"]);
    expect(out[1]).toMatch(/^Local\/s@caller-hold-[0-9a-f]{8};1 +s@caller-hold:1 +Down +AppDial2\(\(Outgoing Line\)\) *$/);

    const hung = await c.request({ Action: "Hangup", Channel: name, Cause: "17" });
    expect(get(hung, "Message")).toBe("Channel Hungup");
    const h = await c.waitFor((m) => kind(m) === "Event:Hangup" && get(m, "Channel") === name);
    expect([get(h, "Cause"), get(h, "Cause-txt")]).toEqual(["17", "User busy"]);
    expect(get(await c.request({ Action: "Hangup", Channel: name }), "Message")).toBe("No such channel");
    expect(get(await c.request({ Action: "Hangup" }), "Message")).toBe("No channel specified");
  });

  it("redirects a channel to another place in the dialplan", async () => {
    const { pbx } = await start();
    const c = await client();
    await c.login("cti", "cti", "dialplan");
    const h = pbx.originate({ endpoint: "Local/s@caller-hold", application: "Wait", data: "60" });
    const two = h.other!.name;
    await c.waitFor((m) => kind(m) === "Event:Newexten" && get(m, "Channel") === two && get(m, "Application") === "Wait", 5000);
    expect(get(await c.request({ Action: "Redirect", Channel: two, Context: "after-stasis", Exten: "s", Priority: "1" }), "Message")).toBe("Redirect successful");
    await c.waitFor((m) => kind(m) === "Event:Newexten" && get(m, "Channel") === two && get(m, "Context") === "after-stasis");
    expect(get(await c.request({ Action: "Redirect", Channel: "nope", Context: "a", Exten: "s", Priority: "1" }), "Message")).toBe("Channel does not exist: nope");
    expect(get(await c.request({ Action: "Redirect", Channel: two, Exten: "s", Priority: "1" }), "Message")).toBe("Context not specified");
  });

  it("lists known device states (not Local ones)", async () => {
    const { pbx } = await start();
    pbx.addEndpoint({ tech: "PJSIP", resource: "1001" });
    pbx.setDeviceState("Custom:lunch", "BUSY");
    const c = await client();
    await c.login("cti", "cti", "off");
    pbx.originate({ endpoint: "Local/s@caller-hold", application: "Wait", data: "60" });
    c.action({ Action: "DeviceStateList", ActionID: "d" });
    const done = await c.waitFor((m) => kind(m) === "Event:DeviceStateListComplete");
    const rows = c.messages.filter((m) => kind(m) === "Event:DeviceStateChange");
    const states = rows.map((m) => [get(m, "Device"), get(m, "State")]);
    expect(states).toContainEqual(["Custom:lunch", "BUSY"]);
    expect(states).toContainEqual(["PJSIP/1001", "NOT_INUSE"]);
    expect(states.filter(([d]) => d!.startsWith("Local/"))).toEqual([]);
    expect(rows[0]!.map(([k]) => k)).toEqual(["Event", "ActionID", "Device", "State"]);
    expect(get(done, "ListItems")).toBe(String(rows.length));
  });

  it("answers a synchronous Originate after the call is answered, before that call's events", async () => {
    await start();
    const c = await client();
    await c.login("cti", "cti", "call");
    c.action({ Action: "Originate", Channel: "Local/agent1@agents", Application: "Wait", Data: "1", ActionID: "sync" });
    const reply = await c.waitFor((m) => get(m, "ActionID") === "sync", 5000);
    expect(get(reply, "Message")).toBe("Originate successfully queued");
    const order = c.messages.map(kind);
    const at = order.indexOf("Response:Success", 1);
    // the call rang and was answered while the action ran: its events follow the reply
    expect(order.slice(at + 1, at + 3)).toEqual(["Event:Newchannel", "Event:Newchannel"]);
    expect(events(c, "OriginateResponse")).toEqual([]);
  });
});

describe("misbehaving clients", () => {
  it("survive random garbage: the server answers what Asterisk answers and keeps serving", async () => {
    await start();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), async (bytes) => {
        const c = await client();
        c.send(Buffer.from(bytes));
        c.send("\r\n\r\nAction: Ping\r\nActionID: after\r\n\r\n");
        // not logged in: every complete message is answered with an error, the ping too
        const reply = await c.waitFor((m) => get(m, "ActionID") === "after");
        expect(get(reply, "Message")).toBe("Permission denied");
        for (const m of c.messages) expect(get(m, "Response")).toBe("Error");
        c.destroy();
      }),
      { numRuns: 25 },
    );
    const c = await client();
    await c.login();
    expect(get(await c.request({ Action: "Ping" }), "Ping")).toBe("Pong");
  });

  it("drop a message with an oversized line, answer one with too many lines, and go on", async () => {
    await start();
    const c = await client();
    await c.login("cti", "cti", "off");
    c.send(`Action: Ping\r\nActionID: long\r\nJunk: ${"x".repeat(100_000)}\r\n\r\n`);
    c.send(`Action: Ping\r\nActionID: many\r\n${"H: v\r\n".repeat(500)}\r\n`);
    c.send("Action: Ping\r\nActionID: fine\r\n\r\n");
    await c.waitFor((m) => get(m, "ActionID") === "fine");
    const replies = c.messages.slice(1);
    expect(replies.map((m) => [get(m, "ActionID"), get(m, "Message") ?? get(m, "Ping")])).toEqual([
      ["many", "Too many lines in message or allocation failure"],
      ["fine", "Pong"],
    ]);
  });

  it("half-sent messages are answered once complete, and a client that leaves mid-message is cleaned up", async () => {
    const { ami } = await start();
    const c = await client();
    await c.login("cti", "cti", "off");
    c.send("Action: Pi");
    await new Promise((r) => setTimeout(r, 30));
    c.send("ng\r\nActionID: slow\r\n");
    await new Promise((r) => setTimeout(r, 30));
    expect(c.messages.length).toBe(1);
    c.send("\r\n");
    await c.waitFor((m) => get(m, "ActionID") === "slow");
    c.send("Action: Ping\r\nActionID: never");
    c.destroy();
    await until(() => ami.sessionCount === 0);
  });

  it("a client that half-closes still gets the replies to what it sent", async () => {
    await start();
    const c = await client();
    c.send("Action: Login\r\nUsername: cti\r\nSecret: cti\r\nEvents: off\r\n\r\nAction: Ping\r\nActionID: last\r\n\r\n");
    c.end();
    await c.closed;
    expect(c.messages.map((m) => get(m, "Message") ?? get(m, "Ping"))).toEqual(["Authentication accepted", "Pong"]);
  });

  it("a client that disconnects during a synchronous Originate leaves the server and the call in order", async () => {
    const { pbx, ami } = await start();
    const c = await client();
    await c.login("cti", "cti", "off");
    c.action({ Action: "Originate", Channel: "Local/agent2@agents", Application: "Wait", Data: "1", ActionID: "gone" });
    await until(() => pbx.listChannels().length === 2);
    c.destroy();
    await until(() => ami.sessionCount === 0);
    // the call goes on without the client (as on Asterisk), then ends
    await until(() => pbx.listChannels().some((ch) => ch.state === "Up"), 5000, "answer");
    await until(() => pbx.listChannels().length === 0, 5000, "hangup");
    const other = await client();
    await other.login();
    expect(get(await other.request({ Action: "Ping" }), "Ping")).toBe("Pong");
  });

  it("a client that stops reading is dropped once too much output waits for it", async () => {
    const { ami } = await start({ limits: { maxWriteBufferBytes: 64 * 1024 } });
    const sock = net.connect(ami.port, "127.0.0.1");
    sock.on("error", () => {});
    const closed = new Promise<void>((r) => sock.on("close", () => r()));
    await new Promise<void>((r) => sock.once("connect", () => r()));
    sock.pause();
    sock.write("Action: Login\r\nUsername: cti\r\nSecret: cti\r\n\r\n");
    const big = "Action: Command\r\nCommand: core show channels\r\n\r\n".repeat(2000);
    for (let i = 0; i < 50 && !sock.destroyed; i++) sock.write(big);
    await until(() => ami.sessionCount === 0, 10_000, "slow reader dropped");
    sock.destroy();
    await closed;
  });

  it("events held during a long action are bounded too", async () => {
    const { pbx, ami } = await start({ limits: { maxWriteBufferBytes: 16 * 1024 } });
    const c = await client();
    await c.login();
    // a synchronous originate that rings for a long time keeps the session busy
    c.action({ Action: "Originate", Channel: "Local/agent9@agents-noanswer", Application: "Wait", Data: "1", Timeout: "600000" });
    await until(() => pbx.listChannels().length === 2);
    for (let i = 0; i < 40; i++) pbx.originate({ endpoint: "Local/s@caller-hold", application: "Wait", data: "1" });
    await c.closed;
    await until(() => ami.sessionCount === 0);
  });

  it("close() completes even when a client never closes its side after Logoff", async () => {
    const { ami } = await start();
    const sock = net.connect({ port: ami.port, host: "127.0.0.1", allowHalfOpen: true });
    sock.on("error", () => {});
    let text = "";
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => (text += d));
    const ended = new Promise<void>((r) => sock.once("end", () => r()));
    await new Promise<void>((r) => sock.once("connect", () => r()));
    sock.write("Action: Login\r\nUsername: cti\r\nSecret: cti\r\n\r\nAction: Logoff\r\n\r\n");
    await ended;
    expect(text).toContain("Response: Goodbye");
    expect(ami.sessionCount).toBe(0);
    // the client keeps its side open; stopping the server must not wait for it (nor for the
    // 2 s after which an ended session drops a socket its client keeps open)
    const t0 = Date.now();
    await ami.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    sock.destroy();
  });

  it("close() and dropConnections() end every session", async () => {
    const { ami } = await start();
    const a = await client();
    const b = await client();
    await a.login();
    ami.dropConnections();
    await Promise.all([a.closed, b.closed]);
    const c = await client();
    await ami.close();
    await c.closed;
    await expect(RawAmi.connect(ami.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
