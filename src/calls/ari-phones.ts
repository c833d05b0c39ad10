import type { Logger } from "../lib/logger.js";
import { AriUnsupportedError, type AriEndpoint, type AriGateway } from "../telephony/index.js";
import type { PhoneFeed } from "./phone-feed.js";

export interface AriPhonesDeps {
  ari: AriGateway;
  /** This server's agent phones, where the endpoint states go (shared with AMI's device states). */
  phones: PhoneFeed;
  logger: Logger;
}

/** Technologies without endpoints of their own in ARI: an agent dialed as `Local/...` has no endpoint state. */
const NO_ENDPOINTS = new Set(["local"]);

/**
 * What the daemon reads of its agents' phones over ARI (the only source when a server has no AMI): on
 * every (re)connect the app subscribes to `endpoint:<tech>/<resource>` of each agent phone Asterisk has
 * (GET /endpoints), then reads their states again, so nothing that changed meanwhile is missed; after
 * that each EndpointStateChange (registered or not, channels on it) goes to the phone feed. A phone
 * Asterisk does not have is logged; a server without the endpoints resource is left to AMI.
 */
export class AriPhones {
  private readonly log: Logger;
  private readonly offs: Array<() => void> = [];
  /** Events seen per endpoint: a list read before the latest event must not overwrite it. */
  private readonly seen = new Map<string, number>();
  private events = 0;
  private readonly missing = new Set<string>();

  constructor(private readonly deps: AriPhonesDeps) {
    this.log = deps.logger.child({ component: "ari-phones" });
  }

  /** The agents' phones that can have an ARI endpoint. */
  private get endpoints(): string[] {
    return [...this.deps.phones.endpoints].filter((e) => e.includes("/") && !NO_ENDPOINTS.has(e.slice(0, e.indexOf("/")).toLowerCase()));
  }

  start(): void {
    const { ari } = this.deps;
    this.offs.push(
      ari.on("EndpointStateChange", (e) => {
        const id = `${e.endpoint.technology}/${e.endpoint.resource}`;
        if (!this.deps.phones.has(id)) return;
        this.seen.set(id, ++this.events);
        void this.deps.phones.fromAri(id, e.endpoint.state, e.endpoint.channel_ids);
      }),
      ari.on("connected", () => void this.sync()),
      ari.on("reconnected", () => void this.sync()),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** Subscribes the app to the agents' endpoints and reads their states; failures are logged (retried at the next reconnect). */
  async sync(): Promise<void> {
    const wanted = this.endpoints;
    if (wanted.length === 0) return;
    const { ari } = this.deps;
    try {
      const known = new Set((await ari.listEndpoints()).map((e) => `${e.technology}/${e.resource}`));
      const present = wanted.filter((e) => known.has(e));
      for (const e of wanted.filter((w) => !known.has(w) && !this.missing.has(w))) {
        this.missing.add(e);
        this.log.warn({ endpoint: e }, "agent phone not configured on this Asterisk server (no ARI endpoint): its state comes from AMI only");
      }
      if (present.length === 0) return;
      await ari.subscribe(present.map((e) => `endpoint:${e}`));
      const asked = this.events;
      const after = await ari.listEndpoints();
      await Promise.all(after.filter((e) => this.fresh(e, asked)).map((e) => this.deps.phones.fromAri(`${e.technology}/${e.resource}`, e.state, e.channel_ids)));
    } catch (err) {
      if (err instanceof AriUnsupportedError) {
        this.log.info("this ARI server has no endpoints resource: agent phone states come from AMI only");
        return;
      }
      this.log.warn({ err }, "agent phone states not read over ARI");
    }
  }

  /** An agent's endpoint whose state in the list is not older than an event already applied. */
  private fresh(e: AriEndpoint, asked: number): boolean {
    const id = `${e.technology}/${e.resource}`;
    return this.deps.phones.has(id) && (this.seen.get(id) ?? 0) <= asked;
  }
}
