/**
 * Who holds a place in the queue, kept by the simulation beside the queue code (independently of it), to
 * check the place guarantee on every dispatch decision the queue code makes.
 *
 * A caller holds a place from its join until it is offered an agent or hangs up; a kept callback holds
 * it while it waits for its turn (the caller has hung up, the entry stays), and again from each re-join
 * after an attempt that reached nobody until its next offer. Between an attempt and the re-join (the
 * retry delay) it holds none.
 *
 * Position, precisely: caller b's position is not worse than without callbacks when b is never offered
 * an agent while a caller who was there first still holds a place, where "there first" is
 *   - same lane: joined at an earlier millisecond (the queue's clock; callers joining in the same
 *     millisecond are simultaneous), and
 *   - any lane: placed ahead by the queue's order, score = join time - the lane's head start (docs/queue.md).
 * Without callbacks the queue gives exactly this (score order, first come first served within a lane);
 * with callbacks it must still hold when a or b is a callback, on its first attempt or a later one.
 * Each violation is one (offer, caller passed over) pair counted once per offer.
 */
export interface PlaceHolder {
  callId: string;
  lane: string;
  /** ms, the queue's clock: the original join time (kept by a callback's re-joins). */
  joinedAt: number;
  score: number;
  /** The queue's order among equal scores: a fresh sequence number at each (re-)join, as the scripts do. */
  seq: number;
}

const before = (a: PlaceHolder, b: PlaceHolder) => a.score < b.score || (a.score === b.score && a.seq < b.seq);

export interface OrderReport {
  offers: number;
  /** Offers that did not go to the first place (score, then sequence): should be 0. */
  notFirst: number;
  /** Offers made while a caller of the same lane who joined at an earlier ms held a place. */
  laneOvertakes: number;
  /** Offers made while a caller placed ahead (lower score, any lane) held a place. */
  placeOvertakes: number;
  /** The first few, to read. */
  examples: string[];
}

export class Places {
  /** Per lane, sorted by (score, seq): within a lane that is join order. */
  private readonly lanes = new Map<string, PlaceHolder[]>();
  private seq = 0;
  readonly report: OrderReport = { offers: 0, notFirst: 0, laneOvertakes: 0, placeOvertakes: 0, examples: [] };

  /** A (re-)join: the caller takes its place, with the next sequence number (as the queue's own). */
  add(p: Omit<PlaceHolder, "seq">): PlaceHolder {
    const h = { ...p, seq: ++this.seq };
    let list = this.lanes.get(h.lane);
    if (!list) this.lanes.set(h.lane, (list = []));
    list.splice(this.indexFor(list, h), 0, h);
    return h;
  }

  remove(h: PlaceHolder): void {
    const list = this.lanes.get(h.lane)!;
    const i = this.indexFor(list, h);
    if (list[i] !== h) throw new Error(`places: ${h.callId} holds no place`);
    list.splice(i, 1);
  }

  /** The first place over all lanes (the caller the queue must offer next), or undefined. */
  front(): PlaceHolder | undefined {
    let best: PlaceHolder | undefined;
    for (const list of this.lanes.values()) if (list[0] && (!best || before(list[0], best))) best = list[0];
    return best;
  }

  get size(): number {
    let n = 0;
    for (const list of this.lanes.values()) n += list.length;
    return n;
  }

  /** The queue offered `h` an agent: check it against everyone holding a place, then release its place. */
  offered(h: PlaceHolder, at: number): void {
    const r = this.report;
    r.offers += 1;
    const front = this.front();
    if (front !== h) r.notFirst += 1;
    const laneFirst = this.lanes.get(h.lane)![0]!;
    const note = (what: string, a: PlaceHolder) => {
      if (r.examples.length < 5) r.examples.push(`t=${at}: ${h.callId} (${h.lane}, joined ${h.joinedAt}) offered while ${a.callId} (${a.lane}, joined ${a.joinedAt}) ${what}`);
    };
    if (laneFirst !== h && laneFirst.joinedAt < h.joinedAt) {
      r.laneOvertakes += 1;
      note("held an earlier place in the lane", laneFirst);
    }
    for (const list of this.lanes.values()) {
      const a = list[0];
      if (a && a !== h && a.score < h.score) {
        r.placeOvertakes += 1;
        note("was placed ahead", a);
        break;
      }
    }
    this.remove(h);
  }

  private indexFor(list: PlaceHolder[], h: PlaceHolder): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(list[mid]!, h)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
