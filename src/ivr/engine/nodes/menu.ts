import type { MenuNode } from "../../schema.js";
import { mediaList } from "../run.js";
import type { NodeHandler } from "./handler.js";
import { askForInput, isCurrent, promptDone, retry } from "./input.js";

export const menu: NodeHandler<MenuNode> = {
  enter(run, _cn, node) {
    askForInput(run, mediaList(node.prompt));
  },
  on(run, _cn, node, event) {
    if (!isCurrent(run, event)) return false;
    if (event.type === "playbackFinished") promptDone(run, node.timeout);
    else if (event.type === "timer") retry(run, node, "noInput");
    else if (event.type === "dtmf") {
      run.clearWaiting({ stopPlayback: true });
      const option = node.options[event.digit];
      if (option === undefined) {
        retry(run, node, "invalid", `key ${event.digit}`);
        return true;
      }
      const { goto, set, label } = typeof option === "string" ? { goto: option, set: undefined, label: undefined } : option;
      run.choose(event.digit, label);
      if (set) run.setVars(set);
      run.goTo(goto, `key ${event.digit}${label ? ` (${label})` : ""}`);
    }
    return true;
  },
};
