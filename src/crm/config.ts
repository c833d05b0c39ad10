import { z } from "zod";

/** Where the daemon finds customers. The built-in file store serves the demo and small sites. */
export const crmConfigSchema = z
  .object({
    store: z.literal("file").default("file"),
    /** YAML file of customers (config/customers.yaml format; relative dates allowed). */
    file: z.string().min(1).default("config/customers.yaml"),
    /** A lookup that takes longer gives the tree's onError path; the caller never waits on the CRM. */
    timeoutMs: z.number().int().positive().max(30_000).default(1500),
  })
  .strict();
export type CrmConfig = z.infer<typeof crmConfigSchema>;
