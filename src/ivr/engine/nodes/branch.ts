import type { BranchNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

export const branch: NodeHandler<BranchNode> = {
  enter(run, cn, node) {
    for (const [i, c] of node.cases.entries()) {
      const r = run.evaluate(cn, `cases.${i}.when`);
      // an expression that fails at run time (a missing field...) is a case that does not match
      if (!r.ok) run.note(`case ${i + 1} (${c.when}) failed: ${r.error}; treated as false`);
      else if (r.value === true) {
        run.choose(`case ${i + 1}`, c.label);
        run.goTo(c.goto, `case ${i + 1}${c.label ? ` (${c.label})` : ""} matched`);
        return;
      }
    }
    run.choose("default");
    run.goTo(node.default, "no case matched, default");
  },
};
