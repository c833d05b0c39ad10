/**
 * Splits the bytes a client sends into AMI messages, whatever the TCP chunking: a message may
 * arrive in many pieces and one chunk may hold many messages.
 *
 * Bounds follow Asterisk's manager: a line may hold at most 1024 bytes including its line ending
 * (the session's input buffer); a message with a longer line is dropped without a reply once its
 * empty line arrives. A message may have at most 128 header lines; the excess is dropped and the
 * message is answered with an error. Lines end in CR LF or a bare LF. Memory per connection is
 * therefore bounded by about 128 KiB whatever the client sends.
 */
import type { ClientMessage } from "./wire.js";

export interface FramerLimits {
  /** Longest accepted line in bytes, line ending included (Asterisk: 1024). */
  maxLineBytes: number;
  /** Most header lines kept per message (Asterisk: 128). */
  maxHeaders: number;
}

export const ASTERISK_LIMITS: FramerLimits = { maxLineBytes: 1024, maxHeaders: 128 };

export type Framed =
  | { kind: "message"; message: ClientMessage }
  /** More than `maxHeaders` lines: Asterisk answers "Too many lines in message ...". */
  | { kind: "too-many-lines"; message: ClientMessage }
  /** A line longer than `maxLineBytes`: Asterisk drops the message and only logs it. */
  | { kind: "line-too-long" };

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class AmiFramer {
  private pending: Buffer = EMPTY;
  /** Inside an over-long line: bytes are dropped until its line ending. */
  private discarding = false;
  private lines: string[] = [];
  private lineTooLong = false;
  private tooMany = false;

  constructor(private readonly limits: FramerLimits = ASTERISK_LIMITS) {}

  /** Bytes held for an unfinished line (never more than `maxLineBytes`). */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** True while a message has started but its empty line has not arrived. */
  get inMessage(): boolean {
    return this.lines.length > 0 || this.lineTooLong || this.tooMany || this.pending.length > 0 || this.discarding;
  }

  /** Feeds received bytes; returns every message they complete, in order. */
  push(chunk: Buffer): Framed[] {
    const out: Framed[] = [];
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = EMPTY;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      if (this.discarding) {
        this.discarding = false;
        start = nl + 1;
        continue;
      }
      const lineBytes = nl + 1 - start;
      if (lineBytes > this.limits.maxLineBytes) {
        this.lineTooLong = true;
      } else {
        const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
        this.line(buf.toString("utf8", start, end), out);
      }
      start = nl + 1;
    }
    const rest = buf.length - start;
    if (this.discarding) {
      // still inside the over-long line: nothing to keep
    } else if (rest >= this.limits.maxLineBytes) {
      // the line cannot fit any more: drop it (and, later, its message)
      this.lineTooLong = true;
      this.discarding = true;
    } else if (rest > 0) {
      this.pending = Buffer.from(buf.subarray(start));
    }
    buf = EMPTY;
    return out;
  }

  private line(text: string, out: Framed[]): void {
    if (text !== "") {
      if (this.lines.length < this.limits.maxHeaders) this.lines.push(text);
      else this.tooMany = true;
      return;
    }
    const message: ClientMessage = { lines: this.lines };
    if (this.tooMany) out.push({ kind: "too-many-lines", message });
    else if (this.lineTooLong) out.push({ kind: "line-too-long" });
    else out.push({ kind: "message", message });
    this.lines = [];
    this.tooMany = false;
    this.lineTooLong = false;
  }
}
