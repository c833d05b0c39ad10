/**
 * Run as a child process by process.test.ts: connects both gateways to loopback servers with the
 * daemon's JSON logger on stdout, uses them, stops everything and then simply returns. The parent
 * checks that stdout holds only JSON log lines (plus one marker printed with console.log after the
 * connect, proving console.log was restored) and that the process exits on its own (nothing left).
 */
import { createLogger } from "../../../src/lib/logger.js";
import { AmiGateway } from "../../../src/telephony/ami/index.js";
import { AriGateway } from "../../../src/telephony/ari/index.js";
import { MiniAmi } from "./mini-ami.js";
import { MiniAri } from "./mini-ari.js";

const logger = createLogger("debug", { pretty: false });
const ari = await new MiniAri().start();
const ami = await new MiniAmi().start();
ari.addChannel("c1");

const reconnect = { initialDelayMs: 20, maxDelayMs: 100, jitter: 0.5 };
const ariGw = new AriGateway({
  serverId: "pbx1",
  url: ari.url,
  username: ari.username,
  password: ari.password,
  app: "cti",
  connectTimeoutMs: 2000,
  requestTimeoutMs: 1000,
  heartbeatIntervalMs: 50,
  heartbeatMisses: 3,
  reconnect,
  logger,
});
const amiGw = new AmiGateway({
  serverId: "pbx1",
  host: "127.0.0.1",
  port: ami.port,
  username: ami.username,
  secret: ami.secret,
  connectTimeoutMs: 2000,
  actionTimeoutMs: 1000,
  heartbeatIntervalMs: 50,
  heartbeatMisses: 3,
  reconnect,
  logger,
});

await ariGw.start();
await amiGw.start();
console.log("MARK console.log restored");
await ariGw.answer("c1");
await amiGw.coreShowChannels();
// one reconnect cycle each, so their timers are exercised too
const back = new Promise<void>((resolve) => ariGw.once("reconnected", () => resolve()));
ari.dropAll();
await back;
await new Promise((r) => setTimeout(r, 120));
await ariGw.stop();
await amiGw.stop();
await ari.stop();
await ami.stop();
