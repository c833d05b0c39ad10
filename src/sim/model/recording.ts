/**
 * ARI recordings as the simulated PBX keeps them: a live recording of a bridge (`LiveRecording`) and the
 * file it leaves (`StoredRecording`). Plain data, copied out at each event as snapshots are.
 */

export type RecordingState = "queued" | "recording" | "paused" | "done" | "failed" | "canceled";

/** ARI's LiveRecording: `duration` (whole seconds) only once it is over. */
export interface LiveRecordingSnapshot {
  name: string;
  format: string;
  state: RecordingState;
  /** `bridge:<id>`. */
  targetUri: string;
  duration?: number;
  cause?: string;
}

/** A finished recording on the PBX's disk, with what the simulator knows of its sound. */
export interface StoredRecordingSnapshot {
  name: string;
  format: string;
  targetUri: string;
  /** Audio recorded (paused stretches and the beep left out), simulated ms. */
  durationMs: number;
  /** Size of the file `GET /recordings/stored/{name}/file` serves. */
  bytes: number;
  /** When recording began and ended, simulated ms since the PBX started (the clock of `SimPbx.hearing`). */
  startedAt: number;
  endedAt: number;
  /** The bridge's parties while it recorded (whom the recording has on it). */
  parties: Array<{ id: string; name: string }>;
}

/**
 * The file's bytes: a RIFF/WAVE header (8 kHz, 16-bit, mono, as Asterisk's `wav` format writes) and
 * silence for the duration. Other formats get the same bytes: nothing reads them but a download.
 */
export function wavFile(durationMs: number): Buffer {
  const samples = Math.max(0, Math.round((durationMs / 1000) * 8000));
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(36 + data, 4);
  b.write("WAVEfmt ", 8, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(data, 40);
  return b;
}
