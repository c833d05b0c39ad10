/** The `recordings` resource: live recordings (stop, cancel, pause, mute) and stored ones (list, file, copy, delete). */
import { oneOf, op, p, q, s, typed, type Model, type Resource } from "./declaration.js";

/** Also what `POST /bridges/{id}/record` answers with and the recording events carry. */
export function liveRecordingModel(): Model {
  return {
    id: "LiveRecording",
    description: "A recording that is in progress",
    properties: {
      name: s("Base name for the recording"),
      format: s("Recording format (wav, gsm, etc.)"),
      target_uri: s("URI for the channel or bridge being recorded"),
      state: oneOf("Recording state", ["queued", "recording", "paused", "done", "failed", "canceled"]),
      duration: typed("int", "Duration in seconds of the recording", false),
      talking_duration: typed("int", "Duration of talking, in seconds (with maxSilenceSeconds)", false),
      silence_duration: typed("int", "Duration of silence, in seconds (with maxSilenceSeconds)", false),
      cause: s("Cause for recording failure if failed", false),
    },
  };
}

const name = p("recordingName", "The name of the recording");
const NOT_FOUND: [number, string] = [404, "Recording not found"];
const NOT_IN_SESSION: [number, string] = [409, "Recording not in session"];

export const recordings: Resource = {
  name: "recordings",
  description: "Recording resources",
  apis: () => [
    { path: "/recordings/stored", description: "Recordings", operations: [op("GET", "listStored", "List[StoredRecording]", "List recordings that are complete.")] },
    {
      path: "/recordings/stored/{recordingName}",
      description: "Individual recording",
      operations: [
        op("GET", "getStored", "StoredRecording", "Get a stored recording's details.", [name], [NOT_FOUND]),
        op("DELETE", "deleteStored", "void", "Delete a stored recording.", [name], [NOT_FOUND]),
      ],
    },
    {
      path: "/recordings/stored/{recordingName}/file",
      description: "The actual file associated with the stored recording",
      operations: [op("GET", "getStoredFile", "binary", "Get the file associated with the stored recording.", [name], [[403, "The recording file could not be opened"], NOT_FOUND])],
    },
    {
      path: "/recordings/stored/{recordingName}/copy",
      description: "Copy an individual recording",
      operations: [
        op("POST", "copyStored", "StoredRecording", "Copy a stored recording.", [name, q("destinationRecordingName", "string", "The destination name of the recording", true)], [
          NOT_FOUND,
          [409, "A recording with the same name already exists on the system"],
        ]),
      ],
    },
    {
      path: "/recordings/live/{recordingName}",
      description: "A recording that is in progress",
      operations: [
        op("GET", "getLive", "LiveRecording", "List live recordings.", [name], [NOT_FOUND]),
        op("DELETE", "cancel", "void", "Stop a live recording and discard it.", [name], [NOT_FOUND]),
      ],
    },
    { path: "/recordings/live/{recordingName}/stop", description: "", operations: [op("POST", "stop", "void", "Stop a live recording and store it.", [name], [NOT_FOUND])] },
    {
      path: "/recordings/live/{recordingName}/pause",
      description: "",
      operations: [
        op("POST", "pause", "void", "Pause a live recording.", [name], [NOT_FOUND, NOT_IN_SESSION]),
        op("DELETE", "unpause", "void", "Unpause a live recording.", [name], [NOT_FOUND, NOT_IN_SESSION]),
      ],
    },
    {
      path: "/recordings/live/{recordingName}/mute",
      description: "",
      operations: [
        op("POST", "mute", "void", "Mute a live recording.", [name], [NOT_FOUND, NOT_IN_SESSION]),
        op("DELETE", "unmute", "void", "Unmute a live recording.", [name], [NOT_FOUND, NOT_IN_SESSION]),
      ],
    },
  ],
  models: () => ({
    StoredRecording: { id: "StoredRecording", description: "A past recording that may be played back.", properties: { name: s("Name"), format: s("Format") } },
    LiveRecording: liveRecordingModel(),
  }),
};
