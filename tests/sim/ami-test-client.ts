/**
 * A minimal raw AMI client for tests: real TCP, exact bytes in and out, received messages parsed
 * into ordered [key, value] lists. Not a test file itself.
 */
import net from "node:net";

export type Msg = Array<[string, string]>;

export function get(m: Msg, key: string): string | undefined {
  return m.find(([k]) => k === key)?.[1];
}

export function kind(m: Msg): string {
  const [k, v] = m[0] ?? ["", ""];
  return `${k}:${v}`;
}

/** Parses a stream of AMI messages (without the banner) into ordered key/value lists. */
export function parseStream(text: string): Msg[] {
  const out: Msg[] = [];
  for (const block of text.split("\r\n\r\n")) {
    if (block === "") continue;
    out.push(
      block.split("\r\n").map((line): [string, string] => {
        const i = line.indexOf(": ");
        return i < 0 ? [line.replace(/:$/, ""), ""] : [line.slice(0, i), line.slice(i + 2)];
      }),
    );
  }
  return out;
}

export class RawAmi {
  raw = "";
  readonly closed: Promise<void>;
  private isClosed = false;
  /** When each chunk arrived (Date.now()) and where it ended in `raw`. */
  private readonly chunks: Array<{ at: number; end: number }> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.raw += d;
      this.chunks.push({ at: Date.now(), end: this.raw.length });
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => resolve(new RawAmi(s)));
      s.once("error", reject);
    });
  }

  get open(): boolean {
    return !this.isClosed;
  }

  get banner(): string {
    const i = this.raw.indexOf("\r\n");
    return i < 0 ? "" : this.raw.slice(0, i + 2);
  }

  /** Complete messages received after the banner. */
  get messages(): Msg[] {
    const body = this.raw.slice(this.banner.length);
    const end = body.lastIndexOf("\r\n\r\n");
    return end < 0 ? [] : parseStream(body.slice(0, end + 4));
  }

  /** Complete messages received after the banner, each with the time (Date.now()) its last byte arrived. */
  get timedMessages(): Array<{ msg: Msg; at: number }> {
    const start = this.banner.length;
    const out: Array<{ msg: Msg; at: number }> = [];
    let from = start;
    let chunk = 0;
    for (;;) {
      const end = this.raw.indexOf("\r\n\r\n", from);
      if (end < 0) return out;
      const stop = end + 4;
      while (chunk < this.chunks.length - 1 && this.chunks[chunk]!.end < stop) chunk++;
      const block = this.raw.slice(from, stop);
      from = stop;
      const msg = parseStream(block)[0];
      if (msg) out.push({ msg, at: this.chunks[chunk]?.at ?? 0 });
    }
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  action(fields: Record<string, string> | Array<[string, string]>): void {
    const list = Array.isArray(fields) ? fields : Object.entries(fields);
    this.send(`${list.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
  }

  async login(user = "cti", secret = "cti", events = "on"): Promise<void> {
    this.action({ Action: "Login", Username: user, Secret: secret, Events: events, ActionID: "login" });
    await this.waitFor((m) => get(m, "ActionID") === "login" && get(m, "Response") !== undefined);
  }

  /** Waits until a received message matches; returns it. */
  async waitFor(pred: (m: Msg) => boolean, ms = 3000): Promise<Msg> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out waiting for a message; got:\n${this.raw.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Sends an action and waits for its reply (matched by ActionID). */
  async request(fields: Record<string, string>, ms = 3000): Promise<Msg> {
    const id = fields.ActionID ?? `t-${Math.random().toString(36).slice(2)}`;
    this.action({ ...fields, ActionID: id });
    return this.waitFor((m) => get(m, "Response") !== undefined && get(m, "ActionID") === id, ms);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export async function until(fn: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
