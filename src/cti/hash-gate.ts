/**
 * Bounded password hashing on one daemon: at most `concurrent` hashes run at once (scrypt runs on
 * libuv's thread pool, which files and DNS share), at most `queued` logins wait for one, and any more
 * are refused at once, so a flood of logins is answered quickly rather than queued for minutes. Agents
 * logging in from an address they used before have `queued` places of their own and go first.
 */

export interface GateTicket {
  /** Waits for a hashing slot (known addresses first), runs `fn`, frees the slot and the place. */
  run<T>(fn: () => Promise<T>, first: boolean): Promise<T>;
  /** Gives the place back without running (the attempt was refused before its hash). */
  cancel(): void;
}

export class HashGate {
  private active = 0;
  private readonly held = { normal: 0, reserved: 0 };
  private readonly lanes = { first: [] as Array<() => void>, rest: [] as Array<() => void> };

  constructor(
    private readonly concurrent: number,
    private readonly queued: number,
  ) {}

  /**
   * A place in the gate, or null when they are all taken. `reserved`: one of the places kept for known
   * addresses (asked for only once the ordinary ones are full).
   */
  enter(reserved = false): GateTicket | null {
    const lane = reserved ? "reserved" : "normal";
    const capacity = reserved ? this.queued : this.concurrent + this.queued;
    if (this.held[lane] >= capacity) return null;
    this.held[lane] += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held[lane] -= 1;
    };
    return {
      cancel: release,
      run: async <T>(fn: () => Promise<T>, first: boolean): Promise<T> => {
        await this.slot(first);
        try {
          return await fn();
        } finally {
          this.active -= 1;
          release();
          (this.lanes.first.shift() ?? this.lanes.rest.shift())?.();
        }
      },
    };
  }

  /** Logins hashing now, and waiting for a slot. */
  load(): { hashing: number; waiting: number } {
    return { hashing: this.active, waiting: this.lanes.first.length + this.lanes.rest.length };
  }

  private slot(first: boolean): Promise<void> {
    // a freed slot goes straight to a waiter, so a free one means nobody is waiting
    if (this.active < this.concurrent) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      (first ? this.lanes.first : this.lanes.rest).push(() => {
        this.active += 1;
        resolve();
      }),
    );
  }
}
