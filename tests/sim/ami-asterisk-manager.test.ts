/**
 * The unmodified asterisk-manager 0.2.0 library (the one the daemon uses) against the simulator's
 * AMI server over TCP: connect, login, ping, an event list, an asynchronous originate and the events
 * of a call made in the PBX; a wrong secret is refused and the connection closed.
 */
import Manager from "asterisk-manager";
import { afterEach, expect, it } from "vitest";
import { startAmiServer, type AmiServer } from "../../src/sim/ami/server.js";
import { SimPbx } from "../../src/sim/pbx.js";
import { until } from "./ami-test-client.js";

type Raw = Manager.RawMessage;

let pbx: SimPbx | undefined;
let ami: AmiServer | undefined;
const managers: Manager.Manager[] = [];

afterEach(async () => {
  for (const m of managers.splice(0)) m.disconnect();
  await ami?.close();
  pbx?.stop();
  ami = undefined;
  pbx = undefined;
});

async function connect(port: number, secret: string): Promise<{ mgr: Manager.Manager; login: Promise<Raw | undefined>; closed: Promise<void> }> {
  // no port to the constructor: it would connect and log in by itself, silently on failure
  const mgr = Manager(undefined, "127.0.0.1", "cti", secret, true);
  managers.push(mgr);
  const closed = new Promise<void>((r) => mgr.on("close", () => r()));
  await new Promise<void>((r) => mgr.connect(port, "127.0.0.1", () => r()));
  const login = new Promise<Raw | undefined>((r) => mgr.login((err) => r(err)));
  return { mgr, login, closed };
}

function action(mgr: Manager.Manager, fields: Record<string, string>): Promise<{ err: Raw | undefined | null; res: Raw | undefined }> {
  return new Promise((resolve) => mgr.action(fields, (err, res) => resolve({ err, res })));
}

it("connects, logs in, pings, lists channels, originates and receives the events of a call", async () => {
  pbx = new SimPbx({ timeScale: 0.05 });
  ami = await startAmiServer(pbx, { users: { cti: "cti" } });
  const { mgr, login } = await connect(ami.port, "cti");
  const events: Raw[] = [];
  mgr.on("managerevent", (e: Raw) => events.push(e));
  expect(await login).toBeUndefined();

  const pong = await action(mgr, { action: "Ping", actionid: "sb-ping-1" });
  expect(pong.err).toBeUndefined();
  expect(pong.res).toMatchObject({ response: "Success", actionid: "sb-ping-1", ping: "Pong" });

  // a call placed in the PBX: its events arrive with lower-cased keys
  const call = pbx.originate({ endpoint: "Local/s@caller-hold", context: "caller-hold", exten: "s", callerId: "Alice <5551000>" });
  expect(call.channel.name).toMatch(/^Local\/s@caller-hold-[0-9a-f]{8};1$/);
  await until(() => events.some((e) => e.event === "Newexten"), 3000, "Newexten");
  const created = events.filter((e) => e.event === "Newchannel");
  expect(created.map((e) => e.channel)).toEqual([call.channel.name, call.other!.name]);
  expect(created[0]).toMatchObject({ privilege: "call,all", uniqueid: call.channel.id, linkedid: call.channel.id, context: "caller-hold" });

  // an event list: the callback gets the first reply only, rows and Complete come as events
  const list = await action(mgr, { action: "CoreShowChannels", actionid: "sb-csc-1" });
  expect(list.res).toMatchObject({ response: "Success", eventlist: "start", message: "Channels will follow" });
  await until(() => events.some((e) => e.event === "CoreShowChannelsComplete"), 3000, "CoreShowChannelsComplete");
  const rows = events.filter((e) => e.event === "CoreShowChannel" && e.actionid === "sb-csc-1");
  expect(rows.map((e) => e.uniqueid).sort()).toEqual([call.channel.id, call.other!.id].sort());
  expect(events.find((e) => e.event === "CoreShowChannelsComplete")).toMatchObject({ actionid: "sb-csc-1", listitems: "2" });

  // an asynchronous originate: queued at once, the outcome as an OriginateResponse event
  const queued = await action(mgr, {
    action: "Originate",
    actionid: "sb-orig-1",
    channel: "Local/agent1@agents",
    application: "Wait",
    data: "1",
    callerid: "Agent Test <7001>",
    async: "true",
  });
  expect(queued.res).toMatchObject({ response: "Success", message: "Originate successfully queued" });
  await until(() => events.some((e) => e.event === "OriginateResponse"), 5000, "OriginateResponse");
  expect(events.find((e) => e.event === "OriginateResponse")).toMatchObject({
    actionid: "sb-orig-1",
    response: "Success",
    reason: "4",
    application: "Wait",
    data: "1",
    calleridnum: "7001",
    calleridname: "Agent Test",
  });

  // errors reach the callback as `err`
  const bad = await action(mgr, { action: "Hangup", actionid: "sb-hangup-1", channel: "Local/nobody-00000000;1" });
  expect(bad.err).toMatchObject({ response: "Error", message: "No such channel" });

  // hanging up the first call: Hangup events with cause and text
  const hung = await action(mgr, { action: "Hangup", actionid: "sb-hangup-2", channel: call.channel.name });
  expect(hung.res).toMatchObject({ message: "Channel Hungup" });
  await until(() => events.filter((e) => e.event === "Hangup" && String(e.channel).startsWith("Local/s@caller-hold")).length === 2, 3000, "Hangup x2");
  const hangup = events.find((e) => e.event === "Hangup" && e.channel === call.channel.name);
  expect(hangup).toMatchObject({ cause: "16", "cause-txt": "Normal Clearing" });
});

it("refuses a wrong secret and closes the connection", async () => {
  pbx = new SimPbx({ timeScale: 0.05 });
  ami = await startAmiServer(pbx, { users: { cti: "cti" } });
  const { login, closed } = await connect(ami.port, "wrong");
  expect(await login).toMatchObject({ response: "Error", message: "Authentication failed" });
  await closed;
  await until(() => ami!.sessionCount === 0);
});
