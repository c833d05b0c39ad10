/**
 * The engine's side of the express lane as a product: the admission node (may the lane be sold now?)
 * and the purchase node (the price from the terms the driver gave the call, read back, then only the
 * confirm key is a yes). Pure steps, no driver.
 */
import { describe, expect, test } from "vitest";
import { resume, type EngineAction, type SaleTerms } from "../../src/ivr/engine/index.js";
import { TestCall, trees } from "./engine-harness.js";

const TREE = `
vars: { expressConsent: false }
nodes:
  offer:
    type: admission
    queue: support
    lane: express
    timeout: 2
    open: quote
    closed: closed
  quote:
    type: purchase
    product: express-upgrade
    prompt: sound:offer
    confirmPrompt: sound:to-agree-press
    declinePrompt: sound:any-other-key
    timeout: 6
    set: { expressConsent: true }
    next: bought
    declined: declined
    unavailable: not-sold
  bought:
    type: queue
    queue: support
    laneExpr: 'has(customer.express) && customer.express == true ? "express" : "standard"'
    onTimeout: bye
    onEmpty: bye
  declined:
    type: play
    prompt: sound:declined
    next: bye
  closed:
    type: hangup
    prompt: sound:closed
  not-sold:
    type: hangup
    prompt: sound:not-sold
  bye:
    type: hangup
`;

const TERMS: SaleTerms = {
  price: 1.99,
  currency: "EUR",
  confirmKey: "1",
  promptVersion: "v1",
  priceMedia: ["number:1", "sound:switchboard/currency-eur", "number:99", "sound:switchboard/currency-eur-cents"],
  grants: { express: true, expressReason: "upgrade bought in this call" },
};

const set = trees({ "main.yaml": TREE });
const purchases = (actions: EngineAction[]) => actions.filter((a) => a.type === "purchase");

/** A call that has been admitted and is hearing the offer's first part (what, and the price). */
function atOffer(terms: SaleTerms | null = TERMS, customer: Record<string, unknown> | null = { id: "c-1005", tier: "standard", express: false }) {
  const call = new TestCall(set, "main", { customer, ...(terms ? { sales: { "express-upgrade": terms } } : {}) });
  const ask = call.actions.find((a) => a.type === "admission")!;
  call.send({ type: "admissionResult", id: (ask as { id: string }).id, admit: true, reason: "forecast 12 s within 20 s" });
  return call;
}

/** The same call once the price has been read out: how to accept is playing (a key interrupts it). */
function atConfirm(terms?: SaleTerms) {
  const call = atOffer(terms);
  call.finishPrompt();
  return call;
}

describe("admission", () => {
  test("asks the queue about the lane and waits, bounded by its timer", () => {
    const call = new TestCall(set);
    expect(call.actions).toEqual([
      { type: "admission", id: "adm-1", queue: "support", lane: "express" },
      { type: "startTimer", id: "t-2", ms: 2000 },
    ]);
    expect(call.state.waiting).toEqual({ kind: "lookup", lookupId: "adm-1", timerId: "t-2" });
  });

  test("admitted: open, with the queue's reason in the path; the timer is cancelled", () => {
    const call = new TestCall(set, "main", { sales: { "express-upgrade": TERMS } });
    call.send({ type: "admissionResult", id: "adm-1", admit: true, reason: "forecast 12 s within 20 s" });
    expect(call.actions[0]).toEqual({ type: "cancelTimer", id: "t-2" });
    expect(call.state.node).toBe("main#quote");
    expect(call.state.path.find((p) => p.node === "main#offer")).toMatchObject({ choice: "open", label: "open (forecast 12 s within 20 s)" });
  });

  test("not admitted, no answer in time: closed, and the trace says why; nothing is offered", () => {
    const no = new TestCall(set);
    no.send({ type: "admissionResult", id: "adm-1", admit: false, reason: "forecast 95 s over 20 s" });
    expect(no.state.node).toBe("main#closed");
    expect(no.trace.join("\n")).toContain("support express does not admit: forecast 95 s over 20 s");
    expect(no.played()).toEqual([["sound:closed"]]);
    const silent = new TestCall(set);
    silent.fireTimer();
    expect(silent.state.node).toBe("main#closed");
    expect(silent.trace.join("\n")).toContain("did not answer within 2 s; treated as closed");
    expect(silent.state.path.find((p) => p.node === "main#offer")?.label).toBe("closed (no answer)");
  });

  test("a late or stranger answer is ignored; a hangup while asking ends the call", () => {
    const call = new TestCall(set);
    call.fireTimer();
    const late = call.send({ type: "admissionResult", id: "adm-1", admit: true, reason: "late" });
    expect(late.actions).toEqual([]);
    expect(late.state.node).toBe("main#closed");
    const other = new TestCall(set);
    expect(other.send({ type: "lookupResult", id: "adm-1", ok: true, found: false }).state.node).toBe("main#offer");
    expect(other.send({ type: "admissionResult", id: "adm-9", admit: true, reason: "?" }).state.node).toBe("main#offer");
    other.send({ type: "hangup" });
    expect(other.state.outcome).toEqual({ kind: "caller-hangup", at: "main#offer" });
  });
});

describe("purchase", () => {
  test("the offer and its price play first, with no barge-in; then how to accept, with the confirm key read out", () => {
    const call = atOffer();
    expect(call.actions).toContainEqual({ type: "play", id: "pb-3", media: ["sound:offer", ...TERMS.priceMedia], bargeIn: false });
    expect(call.state.waiting).toEqual({ kind: "playback", playbackId: "pb-3" });
    call.finishPrompt();
    expect(call.actions).toEqual([{ type: "play", id: "pb-4", media: ["sound:to-agree-press", "digits:1", "sound:any-other-key"], bargeIn: true }]);
  });

  test("the confirm key accepts: one purchase action with the terms, the key and the node; the record turns express", () => {
    const call = atConfirm();
    call.press("1");
    expect(purchases(call.actions)).toEqual([{ type: "purchase", product: "express-upgrade", price: 1.99, currency: "EUR", digits: "1", promptVersion: "v1", node: "main#quote" }]);
    // the prompt is stopped by the key, the caller goes on to the queue in the express lane
    expect(call.actions[0]).toEqual({ type: "stopPlayback", id: "pb-4" });
    expect(call.actions).toContainEqual(expect.objectContaining({ type: "enqueue", queue: "support", lane: "express" }));
    expect(call.state.customer).toMatchObject({ id: "c-1005", tier: "standard", express: true, expressReason: "upgrade bought in this call" });
    expect(call.state.vars.expressConsent).toBe(true);
    expect(call.state.purchased).toEqual(["express-upgrade"]);
    expect(call.state.path.find((p) => p.node === "main#quote")).toMatchObject({ choice: "1", label: "accepted 1.99 EUR, key 1, prompt v1" });
  });

  test("the confirm key after the prompt has played out accepts too", () => {
    const call = atConfirm();
    call.finishPrompt();
    expect(call.actions).toEqual([{ type: "startTimer", id: "t-5", ms: 6000 }]);
    call.press("1");
    expect(call.actions[0]).toEqual({ type: "cancelTimer", id: "t-5" });
    expect(purchases(call.actions)).toHaveLength(1);
  });

  test("any other key declines at once: nothing bought, the caller goes the declined way", () => {
    for (const key of ["2", "0", "9", "*", "#"]) {
      const call = atConfirm();
      call.press(key);
      expect(purchases(call.actions), key).toEqual([]);
      expect(call.state.node, key).toBe("main#declined");
      expect(call.state.customer?.express, key).toBe(false);
      expect(call.state.vars.expressConsent, key).toBe(false);
      expect(call.state.path.find((p) => p.node === "main#quote")?.label, key).toBe(`declined (key ${key})`);
      expect(call.trace.join("\n"), key).toContain(`key ${key} is not the confirm key 1: declined, nothing charged`);
    }
  });

  test("silence declines: no retries, nothing bought", () => {
    const call = atConfirm();
    call.finishPrompt();
    call.fireTimer();
    expect(purchases(call.actions)).toEqual([]);
    expect(call.state.node).toBe("main#declined");
    expect(call.state.path.find((p) => p.node === "main#quote")?.label).toBe("declined (no key)");
  });

  test("a key before the price was read out is neither a yes nor a no: the offer plays on", () => {
    const call = atOffer();
    call.press("1");
    expect(call.actions).toEqual([]);
    expect(call.trace.join("\n")).toContain("key 1 before the price was read out: neither consent nor refusal");
    expect(call.state.waiting).toEqual({ kind: "playback", playbackId: "pb-3" });
    call.finishPrompt();
    expect(purchases(call.actions)).toEqual([]);
    expect(call.state.waiting).toMatchObject({ kind: "input", playbackId: "pb-4" });
  });

  test("the confirm key is the terms': with 5, a 1 declines and a 5 accepts", () => {
    const five = { ...TERMS, confirmKey: "5" };
    const one = atConfirm(five);
    expect(one.state.waiting).toMatchObject({ kind: "input" });
    one.press("1");
    expect(one.state.node).toBe("main#declined");
    const call = atOffer(five);
    call.finishPrompt();
    expect(call.played()).toEqual([["sound:to-agree-press", "digits:5", "sound:any-other-key"]]);
    call.press("5");
    expect(purchases(call.actions)).toMatchObject([{ digits: "5" }]);
  });

  test("a hangup during the offer, or while it waits for the key, buys nothing", () => {
    for (const call of [atOffer(), atConfirm()]) {
      const r = call.send({ type: "hangup" });
      expect(purchases(r.actions)).toEqual([]);
      expect(r.state.outcome).toEqual({ kind: "caller-hangup", at: "main#quote" });
      expect(r.state.purchased).toBeUndefined();
    }
  });

  test("no terms for the product (none configured, or a withheld number): not offered, the unavailable way", () => {
    const call = atOffer(null);
    expect(call.state.node).toBe("main#not-sold");
    expect(call.played()).toEqual([["sound:not-sold"]]);
    expect(call.state.path.find((p) => p.node === "main#quote")?.label).toBe("not for sale");
  });

  test("bought already in this call: not offered nor charged again", () => {
    const call = atConfirm();
    call.press("1");
    const again = new TestCall(set, "main", { sales: { "express-upgrade": TERMS } });
    again.state = { ...call.state, node: "main#offer", status: "running", waiting: null };
    const r = resume(set, again.state);
    const ask = r.actions.find((a) => a.type === "admission") as { id: string };
    again.state = r.state;
    again.send({ type: "admissionResult", id: ask.id, admit: true, reason: "ok" });
    expect(purchases(again.actions)).toEqual([]);
    expect(again.state.node).toBe("main#bought");
    expect(again.trace.join("\n")).toContain("already bought in this call");
  });

  test("after a restart during the offer, it plays again from the start (the price included)", () => {
    const call = atConfirm();
    const r = resume(set, call.state);
    expect(r.actions).toEqual([{ type: "play", id: expect.any(String), media: ["sound:offer", ...TERMS.priceMedia], bargeIn: false }]);
  });
});
