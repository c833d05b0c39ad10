/** Request bodies of the control API, shared by the HTTP server and the in-process API. */
import { z } from "zod";
import { callerSpecSchema } from "../scenario/caller-spec.js";
import { distributionSchema } from "../scenario/distribution.js";
import { agentSpecSchema } from "../scenario/schema.js";

/** `POST /calls`: one precise call ("caller 5551234 dials 800, presses 9 after 1.2 s, hangs up after 40 s"). */
export const placeCallSchema = callerSpecSchema.extend({
  /** Unique id for the caller's channel (default: one the PBX makes up). */
  channelId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
});
export type PlaceCallInput = z.input<typeof placeCallSchema>;

/** `POST /agents/:endpoint`: register/unregister or change behaviour; unknown endpoints are added. */
export const agentPatchSchema = z.strictObject({
  registered: z.boolean().optional(),
  answerDelay: distributionSchema.optional(),
  talkTime: distributionSchema.optional(),
  noAnswerProbability: z.number().min(0).max(1).optional(),
  busy: z.boolean().optional(),
  remoteAnswer: z.boolean().optional(),
});
export type AgentPatch = z.infer<typeof agentPatchSchema>;

export const endpointSchema = agentSpecSchema.shape.endpoint;

/** A request the control API refuses; `status` is the HTTP status the server answers with. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "ControlError";
  }
}

/** Parses with `schema` or throws a 400 whose message names each bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const reasons = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`);
  throw new ControlError(400, reasons.join("; "));
}
