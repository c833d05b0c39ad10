import type { Cluster, Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import type { LifecycleEvent } from "./schema.js";

/**
 * Appends lifecycle events to the site's stream, trimmed like the queue scripts trim it. A failed append
 * (Redis full or away) is logged and dropped: the call goes on, and the KPIs of that moment miss the
 * event (docs/reliability.md).
 */
export class EventLog {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly streamKey: string,
    private readonly maxLen: number,
    private readonly log?: Logger,
  ) {}

  /** Resolves once written or dropped; never rejects. */
  async append(event: LifecycleEvent): Promise<void> {
    const flat: string[] = [];
    for (const [k, v] of Object.entries(event)) if (v !== undefined) flat.push(k, String(v));
    try {
      await this.redis.xadd(this.streamKey, "MAXLEN", "~", this.maxLen, "*", ...flat);
    } catch (err) {
      this.log?.warn({ err, event: event.type }, "event not written to the stream: the KPIs will miss it");
    }
  }
}
