import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import type { ServerMessage } from "./protocol.js";
import { busMessageSchema } from "./store.js";

/**
 * This hub's end of the channel every daemon's hub publishes on (CtiStore stores, then publishes): a pop
 * or state change for an agent reaches whichever daemon holds the agent's sockets.
 */
export class BusSubscription {
  /** Resolves once this hub receives messages published by any hub. */
  readonly ready: Promise<void>;
  private readonly sub: Redis;

  /** `redis` is duplicated for the subscription, and never closed here. */
  constructor(redis: Redis, channel: string, deliver: (agentId: string, msg: ServerMessage) => void, log: Logger) {
    this.sub = redis.duplicate();
    this.sub.on("error", (err: Error) => log.warn({ err: err.message }, "cti subscription"));
    this.sub.on("message", (_channel: string, raw: string) => {
      let parsed;
      try {
        parsed = busMessageSchema.safeParse(JSON.parse(raw));
      } catch {
        return;
      }
      if (parsed.success) deliver(parsed.data.agentId, parsed.data.msg as ServerMessage);
    });
    this.ready = this.sub.subscribe(channel).then(() => undefined);
    this.ready.catch((err: Error) => log.error({ err: err.message }, "cti subscription failed: pops from other daemons will not arrive"));
  }

  async close(): Promise<void> {
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
