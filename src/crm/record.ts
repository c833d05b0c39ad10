import { describeIssues } from "../lib/yaml-source/schema-messages.js";
import { customerSchema, type Customer } from "./customer.js";

/** A record from Redis or an external CRM that does not fit the customer schema; names the fields. */
export class InvalidCustomerError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} returned an invalid customer record: ${problems.join("; ")}`);
    this.name = "InvalidCustomerError";
  }
}

/**
 * Checks a record that came from outside (Redis JSON, an HTTP body) before trees and offers read it, so a
 * changed CRM field shows up as one clear error instead of rules that silently stop matching.
 */
export function parseCustomerRecord(value: unknown, source: string): Customer {
  const parsed = customerSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error.issues, { schema: customerSchema, input: value, base: [] }).map((p) => p.message);
  throw new InvalidCustomerError(source, problems);
}
