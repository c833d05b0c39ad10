import type { SetNode } from "../../schema.js";
import type { NodeHandler } from "./handler.js";

export const set: NodeHandler<SetNode> = {
  enter(run, cn, node) {
    if (node.vars) run.setVars(node.vars);
    for (const name of Object.keys(node.expr ?? {})) {
      const r = run.evaluate(cn, `expr.${name}`);
      // a failed expression leaves the variable null rather than stale, and says why
      if (!r.ok) run.note(`vars.${name}: ${r.error}; set to null`);
      run.setVars({ [name]: r.ok ? r.value : null });
    }
    run.goTo(node.next);
  },
};
