import { QueueError } from "./errors.js";

/**
 * Writes the queue owes Redis: the ones that release someone (a missed ring's requeue, an abandon, an
 * agent's end of call, a phone's new state) and that Redis refused for a reason of its own (out of
 * memory with noeviction, the connection gone), not because the operation was wrong. Left undone, an
 * agent would stay `ringing` or `oncall` for good and the queue would stall; so they are kept, one per
 * subject (a later write of the same subject replaces an earlier one), and replayed in order once Redis
 * takes writes again (`settle`). A replay that the queue refuses (the caller has gone meanwhile) is
 * dropped; one that Redis refuses again stays, and so do the ones after it.
 */
export class OwedWrites {
  private readonly owed = new Map<string, () => Promise<unknown>>();
  private settling: Promise<number> | undefined;

  get size(): number {
    return this.owed.size;
  }

  /** Runs `op`; when Redis (not the queue) refuses it, it is owed under `subject` and the error goes on. */
  async attempt<T>(subject: string, op: () => Promise<T>): Promise<T> {
    try {
      const r = await op();
      // done now: an older write of the same subject must not be replayed over it
      this.owed.delete(subject);
      return r;
    } catch (err) {
      if (!(err instanceof QueueError)) this.owe(subject, op);
      throw err;
    }
  }

  /** A write to make later, e.g. the requeue that undoes an answer Redis did not record. */
  owe(subject: string, op: () => Promise<unknown>): void {
    this.owed.delete(subject);
    this.owed.set(subject, op);
  }

  /** Replays what is owed, oldest first; resolves with how many were done (or dropped as moot). */
  settle(): Promise<number> {
    return (this.settling ??= this.replay().finally(() => (this.settling = undefined)));
  }

  private async replay(): Promise<number> {
    let done = 0;
    for (const [subject, op] of [...this.owed]) {
      try {
        await op();
      } catch (err) {
        if (!(err instanceof QueueError)) break;
      }
      if (this.owed.get(subject) === op) this.owed.delete(subject);
      done++;
    }
    return done;
  }
}
