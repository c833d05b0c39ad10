/** What a translator of core events to AMI events makes, and what it may ask the server. */
import type { PbxEvent } from "../../pbx.js";
import type { FieldList } from "../fields.js";
import type { EventClass } from "../privileges.js";

/** One AMI event: name, class (which decides `Privilege:` and who receives it), fields after those two. */
export interface AmiEvent {
  name: string;
  category: EventClass;
  fields: FieldList;
}

export interface TranslateOptions {
  /** Channels alive right now (`Shutdown: Cleanly` only when none). */
  activeChannels(): number;
  /**
   * Post CDRs of calls that were never answered (cdr.conf `unanswered`; Asterisk's default is
   * no, which is why the recordings show no `Cdr` for failed or unanswered originates).
   */
  cdrUnanswered: boolean;
}

/** The translator of one core event type (undefined when this occurrence has no AMI event). */
export type Translator<E extends PbxEvent = PbxEvent> = (e: E, opts: TranslateOptions) => AmiEvent | undefined;

/** Translators by core event type; a family's table covers some of them. */
export type TranslatorTable = { [K in PbxEvent["type"]]?: Translator<PbxEvent & { type: K }> };
