/**
 * A replay of the third batch (see fidelity.ts) with its AMI session beside it: the recording's login and
 * logoff only (its other actions come from the ARI side), what is not modelled left out on both wires.
 * Apart from fidelity.ts, which ari-replay.ts imports, so that no import goes round in a circle.
 */
import type { Simulator } from "../../src/sim/index.js";
import { loadRecording } from "./ami-replay.js";
import { replayWsScenario, type ReplayOutcome } from "./ari-replay.js";
import { notModelledAmi, notModelledFrame, REPLAY_TIME_SCALE } from "./fidelity.js";

/** Replays `file` (ARI) against `s` with an AMI session that logs in and off as `amiFile` did; the AMI client is closed. */
export async function replayWithAmi(s: Simulator, file: string, amiFile: string): Promise<ReplayOutcome> {
  const [login, logoff] = loadRecording(amiFile).sent;
  const out = await replayWsScenario(file, s.ariUrl, REPLAY_TIME_SCALE, 4000, { ami: { port: s.amiPort!, sent: [login!, logoff!], skip: notModelledAmi }, skipFrame: notModelledFrame });
  out.ami?.destroy();
  return out;
}
