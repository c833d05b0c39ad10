import { z } from "zod";
import { parsePasswordHash } from "../cti/password.js";
import { agentIdSchema } from "../queue/types.js";

/**
 * The supervisors who may open the wallboard, as the config root's `supervisors:` list. Their ids share
 * one namespace with the agents' (checkSupervisorIds): login counts in Redis are kept per id, and a
 * session names its holder by id alone beside its role.
 */

export const supervisorAccountSchema = z
  .object({
    id: agentIdSchema,
    name: z.string().trim().min(1).max(100),
    /** From `switchboard agent-password`, the same format as the agents' hashes. A supervisor without one has no reason to be listed. */
    passwordHash: z.string().refine((h) => parsePasswordHash(h) !== null, "must be a hash printed by `switchboard agent-password` (scrypt$N$r$p$salt$hash)"),
  })
  .strict();
export type SupervisorAccount = z.infer<typeof supervisorAccountSchema>;

export const supervisorsConfigSchema = z.array(supervisorAccountSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate supervisor id "${s.id}"` });
    seen.add(s.id);
  });
});
export type SupervisorsConfig = z.infer<typeof supervisorsConfigSchema>;

/** Across sections (called by config/schema.ts): no supervisor may carry an agent's id. */
export function checkSupervisorIds(cfg: { supervisors: SupervisorsConfig; agents: ReadonlyArray<{ id: string }> }, ctx: z.core.$RefinementCtx): void {
  const agents = new Set(cfg.agents.map((a) => a.id));
  cfg.supervisors.forEach((s, i) => {
    if (agents.has(s.id)) ctx.addIssue({ code: "custom", path: ["supervisors", i, "id"], message: `"${s.id}" is already an agent's id: supervisors and agents need ids of their own` });
  });
}
