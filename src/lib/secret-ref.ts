import { z } from "zod";

/** A secret is never written in the config file: the file names the environment variable that holds it. */
export const secretRef = z
  .object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name") })
  .strict();
