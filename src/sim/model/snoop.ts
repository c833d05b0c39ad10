/**
 * Snoop channels (ARI `POST /channels/{id}/snoop`): what one listens to and whispers into. Directions are
 * the snooped channel's (res_stasis_snoop.c): `in` is the audio read from it (what its own party says),
 * `out` the audio written to it (what its party hears); a whisper `out` is heard by the snooped channel's
 * party, a whisper `in` by the others in its bridge, as if that party said it.
 */

export type SnoopDirection = "none" | "both" | "out" | "in";

export const SNOOP_DIRECTIONS: readonly SnoopDirection[] = ["none", "both", "out", "in"];

export interface SnoopLink {
  spiedId: string;
  spiedName: string;
  spy: SnoopDirection;
  whisper: SnoopDirection;
  app: string;
  args: string[];
}

/** A snoop channel as `SimPbx.snoops()` reports it: kept after it ended (`endedAt`). */
export interface SnoopSnapshot extends SnoopLink {
  id: string;
  name: string;
  /** Simulated ms since the PBX started (the clock of `SimPbx.hearing`). */
  createdAt: number;
  endedAt?: number;
}

/** The spy direction covers what the snooped channel says (`in`) or hears (`out`). */
export const hearsIn = (d: SnoopDirection): boolean => d === "in" || d === "both";
export const hearsOut = (d: SnoopDirection): boolean => d === "out" || d === "both";
