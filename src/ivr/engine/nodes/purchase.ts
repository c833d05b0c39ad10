import type { PurchaseNode } from "../../schema.js";
import { mediaList, type Run } from "../run.js";
import type { SaleTerms } from "../types.js";
import type { NodeHandler } from "./handler.js";
import { askForInput, isCurrent, promptDone } from "./input.js";

/**
 * Sells a product in the call with the caller's explicit consent. The offer plays in two parts: first
 * what is offered and its price, which no key interrupts (a key pressed before the caller has heard the
 * price is neither a yes nor a no); then how to accept (the confirm key, read out) and how to decline,
 * which a key does interrupt. Only the terms' confirm key accepts; any other key and silence decline,
 * at once and without retries. A hangup anywhere in the node ends the call with nothing bought.
 */

const priceText = (t: SaleTerms) => `${t.price.toFixed(2)} ${t.currency}`;

function decline(run: Run, node: PurchaseNode, choice: string, why: string): void {
  run.choose(choice, choice === "no input" ? "declined (no key)" : `declined (key ${choice})`);
  run.goTo(node.declined, `${why}: declined, nothing charged`);
}

function accept(run: Run, node: PurchaseNode, terms: SaleTerms, digit: string): void {
  const { price, currency, promptVersion } = terms;
  run.actions.push({ type: "purchase", product: node.product, price, currency, digits: digit, promptVersion, node: run.state.node });
  run.state.purchased = [...(run.state.purchased ?? []), node.product];
  // what the purchase entitles the caller to shows on their record, where trees already look
  if (terms.grants) run.setCustomer({ ...(run.state.customer ?? {}), ...terms.grants });
  if (node.set) run.setVars(node.set);
  // the call's path (and so its history entry) keeps the consent: price, key, wording
  run.choose(digit, `accepted ${priceText(terms)}, key ${digit}, prompt ${promptVersion}`);
  run.goTo(node.next, `key ${digit}: the caller accepts ${priceText(terms)} (prompt ${promptVersion}); consent recorded`);
}

export const purchase: NodeHandler<PurchaseNode> = {
  enter(run, _cn, node) {
    if (run.state.purchased?.includes(node.product)) {
      run.choose("already bought");
      run.goTo(node.next, `${node.product} already bought in this call; not offered nor charged again`);
      return;
    }
    const terms = run.state.sales?.[node.product];
    if (!terms) {
      run.choose("unavailable", "not for sale");
      run.goTo(node.unavailable ?? node.declined, `${node.product} is not for sale in this call (no terms: none in the daemon's config, or a withheld number billing cannot reach)`);
      return;
    }
    run.wait({ kind: "playback", playbackId: run.play([...mediaList(node.prompt), ...terms.priceMedia], false) });
  },
  on(run, _cn, node, event) {
    const terms = run.state.sales?.[node.product];
    const w = run.state.waiting;
    if (!terms) return false;
    if (w?.kind === "playback") {
      if (event.type === "dtmf") {
        run.note(`key ${event.digit} before the price was read out: neither consent nor refusal; the offer plays on`);
        return true;
      }
      if (event.type !== "playbackFinished" || event.id !== w.playbackId) return false;
      askForInput(run, [...mediaList(node.confirmPrompt), `digits:${terms.confirmKey}`, ...mediaList(node.declinePrompt)]);
      return true;
    }
    if (!isCurrent(run, event)) return false;
    if (event.type === "playbackFinished") promptDone(run, node.timeout);
    else if (event.type === "timer") {
      run.state.waiting = null;
      decline(run, node, "no input", `no key within ${node.timeout} s`);
    } else if (event.type === "dtmf") {
      run.clearWaiting({ stopPlayback: true });
      if (event.digit === terms.confirmKey) accept(run, node, terms, event.digit);
      else decline(run, node, event.digit, `key ${event.digit} is not the confirm key ${terms.confirmKey}`);
    }
    return true;
  },
};
