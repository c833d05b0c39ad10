import type { CompiledNode } from "../../model.js";
import type { IvrNode } from "../../schema.js";
import type { Run } from "../run.js";
import type { EngineEvent } from "../types.js";

/**
 * How one node type behaves: `enter` runs when the call arrives at the node (it either moves on with
 * run.goTo, waits, or ends the call); `on` handles an event while the call waits there and answers
 * false when the event is not for this node (a stale timer, a key press during a non-barge-in prompt).
 */
export interface NodeHandler<N extends IvrNode = IvrNode> {
  enter(run: Run, cn: CompiledNode, node: N): void;
  on?(run: Run, cn: CompiledNode, node: N, event: EngineEvent): boolean;
}
