/**
 * A tab that stops reading (a frozen browser, a client that never reads) must not grow the daemon: what
 * the hub cannot hand to the kernel stays in the daemon's memory, so past a cap (1 MiB unread, the hub's
 * default) the socket is closed with 4408 and the log says so. Over real sockets: the stalled client is
 * a raw TCP socket that does the WebSocket handshake and then never reads.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CTI_SUBPROTOCOL } from "../../src/cti/protocol.js";
import { redisPerFile } from "../setup/redis.js";
import { AgentClient, samplePop, startDesk, testAgents, tokenFor, type Desk } from "../cti/helpers.js";

const { env, redis } = redisPerFile();
let d: Desk;
const lines: Array<Record<string, unknown>> = [];
const logger = pino({ level: "info" }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));

beforeAll(async () => {
  d = await startDesk(redis(), env.prefix, await testAgents(), { logger });
});
afterAll(async () => {
  await d.close();
});

/** The handshake by hand, the token in Sec-WebSocket-Protocol; resolves once the 101 is in, then reads nothing more. */
function stalledClient(baseUrl: string, token: string): Promise<net.Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        [
          "GET /agent/ws HTTP/1.1",
          `Host: ${hostname}:${port}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
          "Sec-WebSocket-Version: 13",
          `Sec-WebSocket-Protocol: ${CTI_SUBPROTOCOL}, ${token}`,
          "",
          "",
        ].join("\r\n"),
      );
    });
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
      socket.pause(); // from here on the client reads nothing: the kernel's buffers fill, then the daemon's
      resolve(socket);
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

const dropped = () => lines.find((l) => l.msg === "agent socket closed: it left too many messages unread");

test("a socket that leaves over 1 MiB unread is closed (4408, cut if it still does not read) and logged; the agent's other tabs and a reconnect carry on", async () => {
  const stalled = await stalledClient(d.url, tokenFor("1001"));
  const reading = await AgentClient.login(d.url, "1002");
  // one call's card replaced over and over with a 256 KiB reason: the stalled tab is sent each version
  const big = "x".repeat(256 * 1024);
  let pushed = 0;
  // bounded: the kernel's socket buffers on loopback take a few MiB before anything stays in the daemon
  while (!dropped() && pushed < 400) {
    await d.hub.pushPop("1001", samplePop("call-big", { reason: `${pushed} ${big}` }));
    pushed += 1;
    if (pushed % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  await expect.poll(dropped, { timeout: 20_000, interval: 50 }).toBeTruthy();
  expect(dropped()).toMatchObject({ level: 40, agentId: "1001", limitBytes: 1024 * 1024, bufferedBytes: expect.any(Number) });
  expect(dropped()!.bufferedBytes as number).toBeGreaterThan(1024 * 1024);
  await expect.poll(() => d.hub.connected().includes("1001"), { timeout: 20_000, interval: 50 }).toBe(false);

  // the stalled client, reading again, finds its socket closed (the close frame behind the unread, or cut)
  const ended = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
  stalled.resume();
  await ended;

  // nothing else was dropped: a reading tab of another agent still works, and the stalled agent reconnects
  await d.hub.pushPop("1002", samplePop("call-small"));
  expect((await reading.next("pop")).pop).toMatchObject({ callId: "call-small" });
  const again = await AgentClient.login(d.url, "1001");
  expect((await again.next("pop")).pop).toMatchObject({ callId: "call-big" });
  expect(lines.filter((l) => l.msg === "agent socket closed: it left too many messages unread")).toHaveLength(1);
  await again.close();
  await reading.close();
});
