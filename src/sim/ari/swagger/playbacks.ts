/** The `playbacks` resource: one playback, and its control operations. */
import { oneOf, op, p, q, s, type Model, type Resource } from "./declaration.js";

/** Also part of the channels declaration (`play` answers with a Playback). */
export function playbackModel(): Model {
  return {
    id: "Playback",
    description: "Media playback on a channel",
    properties: {
      id: s("Playback id"),
      media_uri: s("URI of the media being played"),
      next_media_uri: s("URI of the next media, if any", false),
      target_uri: s("channel:<id>"),
      language: s("Language", false),
      state: oneOf("Playback state", ["queued", "playing", "paused", "continuing", "done", "failed"]),
    },
  };
}

const playbackId = p("playbackId", "Playback's id");
const NOT_FOUND: [number, string] = [404, "The playback cannot be found"];

export const playbacks: Resource = {
  name: "playbacks",
  description: "Playback control resources",
  apis: () => [
    {
      path: "/playbacks/{playbackId}",
      description: "A playback",
      operations: [
        op("GET", "get", "Playback", "Playback details.", [playbackId], [NOT_FOUND]),
        op("DELETE", "stop", "void", "Stop a playback.", [playbackId], [NOT_FOUND]),
      ],
    },
    {
      path: "/playbacks/{playbackId}/control",
      description: "Control a playback",
      operations: [
        op(
          "POST",
          "control",
          "void",
          "Control a playback.",
          [
            playbackId,
            q("operation", "string", "Operation", true, {
              allowableValues: { valueType: "LIST", values: ["restart", "pause", "unpause", "reverse", "forward"] },
            }),
          ],
          [[400, "The provided operation parameter was invalid"], NOT_FOUND, [409, "The operation cannot be performed in the playback's current state"]],
        ),
      ],
    },
  ],
  models: () => ({ Playback: playbackModel() }),
};
