import type { SurveyNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

/** A whole number from an expression's value: a number, or digits as a gather leaves them ("4"). */
function wholeNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^[0-9]{1,6}$/.test(value)) return Number(value);
  return undefined;
}

const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : typeof value === "number" || typeof value === "boolean" || value === null ? String(value) : typeof value);

/**
 * The answer to a post-call survey: the driver records it (the CSAT KPI). A score that is not a whole
 * number from 1 to `scale` is not recorded, and the tree goes on all the same: a survey never holds the
 * caller, and a bad answer must not count as a bad mark.
 */
export const survey: NodeHandler<SurveyNode> = {
  enter(run, cn, node) {
    const r = run.evaluate(cn, "score");
    const score = r.ok ? wholeNumber(r.value) : undefined;
    if (score !== undefined && score >= 1 && score <= node.scale) {
      run.actions.push({ type: "survey", score, scale: node.scale });
      run.choose(`${score} of ${node.scale}`);
      run.goTo(node.next, `score ${score} of ${node.scale} recorded`);
      return;
    }
    const why = r.ok ? `gave ${shown(r.value)}, not a whole number from 1 to ${node.scale}` : `failed: ${r.error}`;
    run.choose("not recorded");
    run.goTo(node.next, `score ${why}; not recorded`);
  },
};
