import type { Logger } from "../lib/logger.js";
import type { AmiGateway } from "../telephony/index.js";
import type { CallManager } from "./manager.js";
import type { PhoneFeed } from "./phone-feed.js";
import type { CallerCdr } from "./talk-time.js";

export interface AmiSyncDeps {
  ami: AmiGateway;
  /** The agents' phones on this server, where their device states go (shared with ARI's endpoint states). */
  phones: PhoneFeed;
  calls: CallManager;
  /**
   * An answered CDR paired with another channel, by the channel's unique id: for a call's caller channel
   * (whose id is the call's) paired with its agent leg, the cross-check of the talk time (talk-time.ts).
   */
  callerCdr(channelId: string, cdr: CallerCdr): void;
  /** Milliseconds between channel reconciliations (0: only when AMI (re)connects). */
  reconcileEveryMs: number;
  logger: Logger;
}

/**
 * What the daemon reads over AMI. Phone states: DeviceStateChange as they happen, and the whole
 * DeviceStateList whenever AMI (re)connects, so a phone that unregistered while AMI was down is not
 * offered calls (ARI's endpoint states are the other source, see phone-feed.ts). Channel reconciliation: CoreShowChannels on (re)connect and periodically; a caller whose
 * channel Asterisk no longer has (its hangup lost, e.g. while ARI was down) ends as a hangup, so a ghost
 * never holds a queue place or rings an agent. CDRs: the caller's, paired with its agent leg, cross-checks
 * the talk time measured from the bridge (the agent leg's own CDR ends as it joins the bridge: 0 s).
 */
export class AmiSync {
  private readonly log: Logger;
  private readonly offs: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AmiSyncDeps) {
    this.log = deps.logger.child({ component: "ami-sync" });
  }

  start(): void {
    const { ami } = this.deps;
    this.offs.push(
      ami.on("DeviceStateChange", (e) => void this.deps.phones.fromAmi(e.device, e.state)),
      ami.on("Cdr", (e) => {
        if (e.disposition !== "ANSWERED" || !e.uniqueId || !e.destinationChannel || e.duration === undefined) return;
        this.deps.callerCdr(e.uniqueId, { destinationChannel: e.destinationChannel, duration: e.duration, billableSeconds: e.billableSeconds ?? 0 });
      }),
      ami.on("connected", () => void this.sync()),
      ami.on("reconnected", () => void this.sync()),
      ami.on("disconnected", () => this.deps.phones.amiLost()),
    );
    if (this.deps.reconcileEveryMs > 0) {
      this.timer = setInterval(() => void this.reconcile(), this.deps.reconcileEveryMs);
      this.timer.unref();
    }
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    clearInterval(this.timer);
  }

  /** Every phone's state, then the channel list; failures are logged and retried at the next occasion. */
  async sync(): Promise<void> {
    try {
      const rows = await this.deps.ami.deviceStates();
      await Promise.all(rows.map((r) => this.deps.phones.fromAmi(r.device, r.state)));
    } catch (err) {
      this.log.warn({ err }, "device states not read");
    }
    await this.reconcile();
  }

  async reconcile(): Promise<void> {
    if (!this.deps.ami.isConnected) return;
    // calls that arrived before the request must be in the reply if their channel is still up
    const askedAt = Date.now();
    try {
      const rows = await this.deps.ami.coreShowChannels();
      const ended = this.deps.calls.reconcile(new Set(rows.map((r) => r.uniqueId)), askedAt);
      if (ended.length) this.log.warn({ calls: ended }, "calls whose channel is gone ended (their hangup was missed)");
    } catch (err) {
      this.log.warn({ err }, "channels not reconciled");
    }
  }
}
