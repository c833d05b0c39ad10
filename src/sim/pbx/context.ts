/**
 * What every part of the PBX shares: the live channels and bridges, the scheduler, the dialplan
 * and the event stream. One object handed down to each part, so that no part needs the facade
 * (or a sibling) just to reach this state.
 */
import type { Bridge } from "../model/bridge.js";
import type { Channel } from "../model/channel.js";
import type { Dialplan } from "../model/dialplan.js";
import type { PbxEvent, PbxEventInput, PbxEventListener } from "../model/events.js";
import type { Scheduler } from "../model/scheduler.js";
import type { SnoopLink } from "../model/snoop.js";

export class PbxContext {
  /** Live channels by unique id. */
  readonly channels = new Map<string, Channel>();
  readonly bridges = new Map<string, Bridge>();
  /** Live snoop channels by id: what they listen to and whisper into (pbx/snoop.ts). */
  readonly snoops = new Map<string, SnoopLink>();
  private readonly listeners = new Set<PbxEventListener>();
  private halted = false;

  constructor(
    readonly scheduler: Scheduler,
    readonly dialplan: Dialplan,
    /** The Stasis apps an event goes to over ARI (the event's `apps`). */
    private readonly recipients: (e: PbxEventInput) => string[],
  ) {}

  /** `stop()` ran: nothing is emitted any more and every channel's thread winds down. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Subscribes to every event; returns an unsubscribe function. */
  onEvent(listener: PbxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: PbxEventInput): void {
    if (this.halted) return;
    const event = { ...input, at: Date.now(), apps: this.recipients(input) } as PbxEvent;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // a listener must not break the PBX
      }
    }
  }

  /** Cancels every timer, wakes every channel's waits and forgets channels, bridges and listeners. */
  stop(): void {
    this.halted = true;
    this.scheduler.stop();
    for (const c of this.channels.values()) {
      c.destroyed = true;
      c.abort.abort();
      c.stasis?.leave();
      for (const w of [...c.mediaWaiters]) w();
    }
    this.channels.clear();
    this.bridges.clear();
    this.snoops.clear();
    this.listeners.clear();
  }
}
