/**
 * A small Stasis application for the scenario and control tests: the event WebSocket (ws) and REST
 * calls (fetch) against the simulator's ARI over real loopback sockets, nothing shared with the
 * simulator's code.
 */
import WebSocket from "ws";

export interface AriEvent {
  type: string;
  [key: string]: unknown;
}

export class TestAriApp {
  readonly events: AriEvent[] = [];
  private readonly handlers = new Set<(e: AriEvent) => void>();

  private constructor(
    private readonly base: string,
    private readonly auth: string,
    private readonly ws: WebSocket,
  ) {
    ws.on("message", (data) => {
      const e = JSON.parse(String(data)) as AriEvent;
      this.events.push(e);
      for (const h of [...this.handlers]) void Promise.resolve(h(e)).catch(() => undefined);
    });
  }

  static async connect(ariUrl: string, app: string, user: string, password: string, opts: { subscribeAll?: boolean } = {}): Promise<TestAriApp> {
    const qs = new URLSearchParams({ app, api_key: `${user}:${password}`, ...(opts.subscribeAll ? { subscribeAll: "true" } : {}) });
    const ws = new WebSocket(`${ariUrl.replace(/^http/, "ws")}/ari/events?${qs}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new TestAriApp(ariUrl, `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`, ws);
  }

  on(handler: (e: AriEvent) => void): void {
    this.handlers.add(handler);
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.base}/ari${path}`, {
      method,
      headers: { Authorization: this.auth, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Resolves with the first event (already seen or future) that matches. */
  waitFor(match: (e: AriEvent) => boolean, timeoutMs = 10_000): Promise<AriEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.handlers.delete(h);
        reject(new Error("timed out waiting for an ARI event"));
      }, timeoutMs);
      const h = (e: AriEvent): void => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.handlers.delete(h);
        resolve(e);
      };
      this.handlers.add(h);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

export const channelOf = (e: AriEvent): { id: string; name: string; state: string; caller: { number: string; name: string } } =>
  e.channel as { id: string; name: string; state: string; caller: { number: string; name: string } };
