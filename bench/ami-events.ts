/**
 * The simulator's AMI server under load, over real TCP on 127.0.0.1.
 *
 *   npx tsx bench/ami-events.ts [--sessions 10] [--calls 200] [--pings 2000]
 *
 * - Ping round trips, one at a time (latency percentiles) and all pipelined in one write (replies/s);
 * - event fan-out: `sessions` logged-in sessions with events on, `calls` short calls placed in the
 *   PBX (Local/s@after-stasis running Wait(0): about twenty events each); reports events and bytes
 *   delivered per second over all sessions, from the first originate to the last Hangup seen.
 */
import net from "node:net";
import * as hdr from "hdr-histogram-js";
import { startAmiServer } from "../src/sim/ami/server.js";
import { SimPbx } from "../src/sim/pbx.js";
import { arg } from "./args.js";

const SESSIONS = arg("sessions", 10);
const CALLS = arg("calls", 200);
const PINGS = arg("pings", 2000);

/** A logged-in raw client that counts messages and calls back on each complete one. */
class Client {
  messages = 0;
  bytes = 0;
  private buf = "";
  onMessage: (text: string) => void = () => {};

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.setNoDelay(true);
    socket.on("data", (d: string) => {
      this.bytes += Buffer.byteLength(d);
      this.buf += d;
      let end: number;
      while ((end = this.buf.indexOf("\r\n\r\n")) >= 0) {
        const text = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 4);
        this.messages++;
        this.onMessage(text);
      }
    });
  }

  static async login(port: number, events: "on" | "off"): Promise<Client> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((r, j) => {
      socket.once("connect", () => r());
      socket.once("error", j);
    });
    const c = new Client(socket);
    const done = new Promise<void>((r) => (c.onMessage = (t) => t.includes("Authentication accepted") && r()));
    // the banner has no empty line after it: it joins the first message, which is fine for counting
    socket.write(`Action: Login\r\nUsername: bench\r\nSecret: bench\r\nEvents: ${events}\r\n\r\n`);
    await done;
    return c;
  }

  request(text: string): Promise<void> {
    return new Promise((r) => {
      this.onMessage = () => r();
      this.socket.write(text);
    });
  }
}

async function main(): Promise<void> {
  const pbx = new SimPbx({ timeScale: 0.001 });
  const ami = await startAmiServer(pbx, { users: { bench: "bench" } });
  try {
    // Ping latency, one at a time
    const pinger = await Client.login(ami.port, "off");
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (let i = 0; i < PINGS; i++) {
      const t0 = process.hrtime.bigint();
      await pinger.request(`Action: Ping\r\nActionID: ${i}\r\n\r\n`);
      h.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
    }
    console.log(`Ping one at a time (${PINGS}): p50 ${h.getValueAtPercentile(50)} us, p99 ${h.getValueAtPercentile(99)} us, max ${h.maxValue} us`);

    // Ping pipelined
    let all = "";
    for (let i = 0; i < PINGS; i++) all += `Action: Ping\r\nActionID: p${i}\r\n\r\n`;
    const before = pinger.messages;
    const t1 = performance.now();
    await new Promise<void>((r) => {
      pinger.onMessage = () => pinger.messages - before === PINGS && r();
      pinger.socket.write(all);
    });
    const pipelinedMs = performance.now() - t1;
    console.log(`Ping pipelined (${PINGS} in one write): ${Math.round(PINGS / (pipelinedMs / 1000))} replies/s`);
    pinger.socket.destroy();

    // event fan-out
    const clients = await Promise.all(Array.from({ length: SESSIONS }, () => Client.login(ami.port, "on")));
    await new Promise((r) => setTimeout(r, 50));
    let hangups = 0;
    const expected = SESSIONS * CALLS * 2;
    const startCounts = clients.map((c) => ({ m: c.messages, b: c.bytes }));
    const t2 = performance.now();
    const finished = new Promise<void>((r) => {
      for (const c of clients)
        c.onMessage = (t) => {
          if (t.startsWith("Event: Hangup\r\n") && ++hangups === expected) r();
        };
    });
    for (let i = 0; i < CALLS; i++) pbx.originate({ endpoint: "Local/s@after-stasis", application: "Wait", data: "0" });
    await finished;
    const fanMs = performance.now() - t2;
    const events = clients.reduce((n, c, i) => n + c.messages - startCounts[i]!.m, 0);
    const bytes = clients.reduce((n, c, i) => n + c.bytes - startCounts[i]!.b, 0);
    console.log(
      `Event fan-out (${CALLS} calls, ${SESSIONS} sessions): ${events} events in ${fanMs.toFixed(0)} ms = ` +
        `${Math.round(events / (fanMs / 1000))} events/s delivered, ${(bytes / 1024 / 1024 / (fanMs / 1000)).toFixed(1)} MiB/s, ` +
        `${Math.round(events / SESSIONS / CALLS)} events per call per session`,
    );
    for (const c of clients) c.socket.destroy();
  } finally {
    await ami.close();
    pbx.stop();
  }
}

await main();
