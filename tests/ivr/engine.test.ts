import { describe, expect, test } from "vitest";
import { resume, startCall, UnknownTreeError } from "../../src/ivr/engine/index.js";
import { scriptedKeys, simulateCall } from "../../src/ivr/engine/simulate.js";
import { loadTreeSources, readTreeDir } from "../../src/ivr/load.js";
import type { SaleTerms } from "../../src/ivr/engine/index.js";
import { TestCall, trees } from "./engine-harness.js";

/** The upgrade's terms as the daemon gives them from config/switchboard.yaml. */
const UPGRADE: SaleTerms = {
  price: 1.99,
  currency: "EUR",
  confirmKey: "1",
  promptVersion: "v1",
  priceMedia: ["number:1", "sound:switchboard/currency-eur", "number:99", "sound:switchboard/currency-eur-cents"],
  grants: { express: true, expressReason: "upgrade bought in this call" },
};

const MENU = `
nodes:
  hello:
    type: play
    prompt: sound:hello
    bargeIn: true
    next: menu
  menu:
    type: menu
    prompt: [sound:menu, sound:press-1]
    options:
      "1": { goto: billing, label: billing, set: { reason: billing } }
      "2": support
    timeout: 4
    retries: 1
    noInput: { prompt: sound:no-input }
    invalid: { prompt: sound:invalid }
    onFail: operator
  billing:
    type: hangup
    prompt: sound:bye-billing
  support:
    type: hangup
  operator:
    type: transfer
    context: operators
    extension: "0"
`;

describe("play", () => {
  test("plays its prompt and moves on when it has played", () => {
    const call = new TestCall(trees({ "main.yaml": MENU }));
    expect(call.actions).toEqual([{ type: "play", id: "pb-1", media: ["sound:hello"], bargeIn: true }]);
    call.finishPrompt();
    expect(call.state.node).toBe("main#menu");
    expect(call.played()).toEqual([["sound:menu", "sound:press-1"]]);
  });

  test("a key during a barge-in prompt stops it, and the next menu takes that key (type-ahead)", () => {
    const call = new TestCall(trees({ "main.yaml": MENU }));
    call.press("1");
    expect(call.actions[0]).toEqual({ type: "stopPlayback", id: "pb-1" });
    expect(call.state.node).toBe("main#billing");
    expect(call.state.vars.reason).toBe("billing");
  });

  test("without barge-in a key is ignored and the prompt plays on", () => {
    const set = trees({ "main.yaml": "nodes:\n  a:\n    type: play\n    prompt: sound:legal\n    next: b\n  b:\n    type: hangup\n" });
    const call = new TestCall(set);
    call.press("5");
    expect(call.actions).toEqual([]);
    expect(call.state.node).toBe("main#a");
    expect(call.trace).toEqual(["key 5 ignored at play node"]);
    call.finishPrompt();
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });
});

describe("menu", () => {
  const atMenu = () => {
    const call = new TestCall(trees({ "main.yaml": MENU }));
    call.finishPrompt();
    return call;
  };

  test("the input timer starts only when the prompt has played", () => {
    const call = atMenu();
    expect(call.actions.some((a) => a.type === "startTimer")).toBe(false);
    call.finishPrompt();
    expect(call.actions).toEqual([{ type: "startTimer", id: expect.any(String), ms: 4000 }]);
  });

  test("an option records the key and its label in the path, sets its variables and goes on", () => {
    const call = atMenu();
    call.finishPrompt();
    call.press("1");
    expect(call.actions[0]).toMatchObject({ type: "cancelTimer" });
    expect(call.state.path.find((p) => p.node === "main#menu")).toEqual({ node: "main#menu", type: "menu", choice: "1", label: "billing" });
    expect(call.played()).toEqual([["sound:bye-billing"]]);
  });

  test("a key during the menu prompt interrupts it (barge-in)", () => {
    const call = atMenu();
    const prompt = call.playing;
    call.press("2");
    expect(call.actions).toContainEqual({ type: "stopPlayback", id: prompt });
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });

  test("an unknown key gets the invalid prompt followed by the menu again", () => {
    const call = atMenu();
    call.press("7");
    expect(call.played()).toEqual([["sound:invalid", "sound:menu", "sound:press-1"]]);
    expect(call.state.attempt).toBe(1);
    expect(call.state.node).toBe("main#menu");
  });

  test("no input gets its own prompt; once the retries are used up the call goes to onFail", () => {
    const call = atMenu();
    call.finishPrompt();
    call.fireTimer();
    expect(call.played()).toEqual([["sound:no-input", "sound:menu", "sound:press-1"]]);
    call.finishPrompt();
    call.fireTimer();
    expect(call.state.outcome).toEqual({ kind: "transfer", context: "operators", extension: "0" });
    expect(call.actions).toContainEqual({ type: "transfer", context: "operators", extension: "0", priority: 1 });
    expect(call.state.path.find((p) => p.node === "main#menu")).toMatchObject({ choice: "no input", label: "retries used up" });
  });

  test("a retry handler with goto jumps instead of retrying", () => {
    const set = trees({
      "main.yaml": MENU.replace("invalid: { prompt: sound:invalid }", "invalid: { goto: operator }"),
    });
    const call = new TestCall(set);
    call.finishPrompt();
    call.press("8");
    expect(call.state.outcome).toMatchObject({ kind: "transfer", context: "operators" });
  });

  test("a timer that was cancelled but fires anyway is ignored", () => {
    const call = atMenu();
    call.finishPrompt();
    const stale = call.timer;
    call.press("7");
    const r = call.send({ type: "timer", id: stale });
    expect(r.actions).toEqual([]);
    expect(call.state.attempt).toBe(1);
    expect(call.trace[0]).toMatch(/ignored/);
  });
});

const GATHER = `
nodes:
  account:
    type: gather
    prompt: sound:enter-account
    variable: account
    minDigits: 4
    maxDigits: 6
    terminator: "#"
    firstDigitTimeout: 5
    interDigitTimeout: 2
    validate: value.startsWith("1")
    retries: 1
    noInput: { prompt: sound:no-input }
    invalid: { prompt: sound:invalid }
    next: done
    onFail: failed
  done:
    type: hangup
    reason: normal
  failed:
    type: hangup
    reason: rejected
`;

describe("gather", () => {
  const gathering = () => new TestCall(trees({ "main.yaml": GATHER }));

  test("the terminator ends the input; the value lands in vars and the path keeps only its length", () => {
    const call = gathering();
    call.finishPrompt();
    expect(call.actions).toEqual([{ type: "startTimer", id: expect.any(String), ms: 5000 }]);
    call.press("1234#");
    expect(call.state.vars.account).toBe("1234");
    expect(call.state.path[0]).toEqual({ node: "main#account", type: "gather", choice: "4 digits" });
    expect(JSON.stringify(call.state.path)).not.toContain("1234");
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });

  test("maxDigits ends the input without a terminator", () => {
    const call = gathering();
    call.press("123456");
    expect(call.state.vars.account).toBe("123456");
  });

  test("keys typed during the prompt stop it and count; the inter-digit timeout ends the input", () => {
    const call = gathering();
    call.press("1");
    expect(call.actions).toContainEqual({ type: "stopPlayback", id: "pb-1" });
    expect(call.actions).toContainEqual({ type: "startTimer", id: expect.any(String), ms: 2000 });
    call.press("2345");
    call.fireTimer();
    expect(call.state.vars.account).toBe("12345");
  });

  test("too few digits and a failed validation are invalid input; then onFail", () => {
    const call = gathering();
    call.press("12#");
    expect(call.played()).toEqual([["sound:invalid", "sound:enter-account"]]);
    expect(call.state.digits).toBe("");
    call.press("9999#");
    expect(call.state.vars.account).toBeUndefined();
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "rejected" });
  });

  test("silence after the prompt is no input", () => {
    const call = gathering();
    call.finishPrompt();
    call.fireTimer();
    expect(call.played()).toEqual([["sound:no-input", "sound:enter-account"]]);
  });
});

const ROUTING = `
vars: { visits: 0 }
nodes:
  count:
    type: set
    vars: { greeted: true }
    expr: { visits: vars.visits + 1, broken: customer.missing.field }
    next: route
  route:
    type: branch
    cases:
      - when: customer.tier == "gold"
        goto: express
        label: gold
      - when: has(customer.express) && customer.express
        goto: express
        label: subscriber
    default: standard
  express:
    type: queue
    queue: support
    lane: express
    reason: express customer
    onTimeout: late
    onEmpty: closed
  standard:
    type: queue
    queue: support
    laneExpr: 'vars.visits > 5 ? "express" : "standard"'
    skills: [support]
    priority: 3
    maxWait: 90
    onTimeout: late
    onEmpty: closed
    onFull: full
  late:
    type: transfer
    endpoint: PJSIP/operator
  closed:
    type: hangup
    prompt: sound:closed
  full:
    type: hangup
    reason: busy
`;

describe("set, branch and queue", () => {
  const set = trees({ "main.yaml": ROUTING });

  test("set writes literals and expressions; a failing expression gives null and says why", () => {
    const call = new TestCall(set, "main", { customer: { tier: "standard" } });
    expect(call.state.vars).toMatchObject({ greeted: true, visits: 1, broken: null });
    expect(call.trace.some((t) => t.startsWith("vars.broken:"))).toBe(true);
  });

  test("the first matching case wins and the path says which", () => {
    const call = new TestCall(set, "main", { customer: { tier: "gold", express: true } });
    expect(call.state.path.find((p) => p.node === "main#route")).toMatchObject({ choice: "case 1", label: "gold" });
    expect(call.actions).toContainEqual({ type: "enqueue", queue: "support", lane: "express", skills: [], priority: 0, reason: "express customer" });
    expect(call.state.status).toBe("queued");
  });

  test("a case that fails at run time does not match; an unknown caller takes the default", () => {
    const call = new TestCall(set, "main", { customer: null });
    expect(call.trace.some((t) => /case 1 .* failed/.test(t))).toBe(true);
    expect(call.state.node).toBe("main#standard");
    expect(call.actions).toContainEqual({ type: "enqueue", queue: "support", lane: "standard", skills: ["support"], priority: 3, maxWaitMs: 90_000 });
  });

  test("queue results: answered ends the IVR; timeout, empty and full take their paths", () => {
    const answered = new TestCall(set, "main", { customer: null });
    answered.send({ type: "queueResult", outcome: "answered" });
    expect(answered.state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
    const timeout = new TestCall(set, "main", { customer: null });
    timeout.send({ type: "queueResult", outcome: "timeout" });
    expect(timeout.state.outcome).toEqual({ kind: "transfer", endpoint: "PJSIP/operator" });
    const empty = new TestCall(set, "main", { customer: null });
    empty.send({ type: "queueResult", outcome: "empty" });
    expect(empty.played()).toEqual([["sound:closed"]]);
    const full = new TestCall(set, "main", { customer: null });
    full.send({ type: "queueResult", outcome: "full" });
    expect(full.state.outcome).toEqual({ kind: "hangup", reason: "busy" });
  });

  test("keys while queued are ignored", () => {
    const call = new TestCall(set, "main", { customer: null });
    call.press("5");
    expect(call.actions).toEqual([]);
    expect(call.state.status).toBe("queued");
  });
});

const LOOKUP = `
nodes:
  find:
    type: lookup
    timeout: 1.5
    next: known
    onNotFound: unknown
    onError: fallback
  known:
    type: branch
    cases:
      - when: customer.tier == "gold"
        goto: gold
    default: unknown
  gold:
    type: hangup
    reason: normal
  unknown:
    type: hangup
    reason: rejected
  fallback:
    type: hangup
    reason: congestion
`;

describe("lookup", () => {
  const set = trees({ "main.yaml": LOOKUP });
  const lookupId = (c: TestCall) => (c.state.waiting as { lookupId: string }).lookupId;

  test("asks for the caller's record with a timeout", () => {
    const call = new TestCall(set, "main", { callerNumber: "5551003" });
    expect(call.actions).toEqual([
      { type: "lookup", id: "lk-1", source: "crm", key: "5551003", timeoutMs: 1500 },
      { type: "startTimer", id: "t-2", ms: 1500 },
    ]);
  });

  test("a record found becomes `customer` for the branches after it", () => {
    const call = new TestCall(set);
    call.send({ type: "lookupResult", id: lookupId(call), ok: true, found: true, data: { tier: "gold" } });
    expect(call.actions[0]).toEqual({ type: "cancelTimer", id: "t-2" });
    expect(call.state.customer).toEqual({ tier: "gold" });
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });

  test("not found goes to onNotFound, an error to onError", () => {
    const a = new TestCall(set);
    a.send({ type: "lookupResult", id: lookupId(a), ok: true, found: false });
    expect(a.state.outcome).toEqual({ kind: "hangup", reason: "rejected" });
    const b = new TestCall(set);
    b.send({ type: "lookupResult", id: lookupId(b), ok: false, error: "HTTP 503" });
    expect(b.state.outcome).toEqual({ kind: "hangup", reason: "congestion" });
    expect(b.state.path[0]).toMatchObject({ choice: "error", label: "HTTP 503" });
  });

  test("a slow CRM never strands the caller: the timer takes onError and the late answer is ignored", () => {
    const call = new TestCall(set);
    const id = lookupId(call);
    call.fireTimer();
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "congestion" });
    call.send({ type: "lookupResult", id, ok: true, found: true, data: { tier: "gold" } });
    expect(call.state.customer).toBeNull();
  });
});

describe("the call as a whole", () => {
  test("goto crosses files; the path names the other file's nodes", () => {
    const set = trees({
      "main.yaml": "nodes:\n  start:\n    type: goto\n    target: shared.yaml#bye\n",
      "shared.yaml": "nodes:\n  bye:\n    type: hangup\n    prompt: sound:goodbye\n",
    });
    const call = new TestCall(set);
    expect(call.state.node).toBe("shared#bye");
    call.finishPrompt();
    expect(call.state.path.map((p) => p.node)).toEqual(["main#start", "shared#bye"]);
  });

  test("the caller hanging up mid-prompt or mid-lookup ends the call and cancels its timer", () => {
    const set = trees({ "main.yaml": LOOKUP });
    const call = new TestCall(set);
    call.send({ type: "hangup" });
    expect(call.actions).toEqual([{ type: "cancelTimer", id: "t-2" }]);
    expect(call.state.outcome).toEqual({ kind: "caller-hangup", at: "main#find" });
    const after = call.send({ type: "dtmf", digit: "1" });
    expect(after.actions).toEqual([]);
    expect(call.state.status).toBe("ended");
  });

  test("a call is pinned to the version it started on", () => {
    const v1 = trees({ "main.yaml": MENU });
    const v2 = trees({ "main.yaml": MENU.replace("sound:bye-billing", "sound:new-billing") });
    expect(v1.version).not.toBe(v2.version);
    const call = new TestCall(v1);
    expect(call.state.version).toBe(v1.version);
    call.finishPrompt();
    call.press("1");
    expect(call.played()).toEqual([["sound:bye-billing"]]);
  });

  test("an unknown tree is an error the driver can tell apart", () => {
    expect(() => startCall(trees({ "main.yaml": MENU }), "billing", { callId: "x", callerNumber: "1" })).toThrow(UnknownTreeError);
  });

  test("resume after a restart plays the menu again; a queued call is left alone", () => {
    const set = trees({ "main.yaml": MENU });
    const call = new TestCall(set);
    call.finishPrompt();
    call.finishPrompt();
    const r = resume(set, call.state);
    expect(r.actions).toEqual([{ type: "play", id: expect.any(String), media: ["sound:menu", "sound:press-1"], bargeIn: true }]);
    expect(r.state.node).toBe("main#menu");
    const queued = new TestCall(trees({ "main.yaml": ROUTING }), "main", { customer: null });
    expect(resume(queued.set, queued.state).actions).toEqual([]);
  });

  test("the shipped main tree: a customer the lookup says is express (a gold tier, here) skips the menu into the express lane", async () => {
    const { set } = loadTreeSources(readTreeDir("ivr-trees"));
    const found = { tier: "gold", express: true, expressReason: "tier gold" };
    const { state } = await simulateCall(set!, "main", { callId: "c", callerNumber: "5551005" }, scriptedKeys(""), { lookup: { found } });
    expect(state.outcome).toEqual({ kind: "answered", queue: "support", lane: "express" });
    expect(state.path.some((p) => p.type === "menu")).toBe(false);
    // the tree repeats no rule: a gold record the lookup did not call express hears the menu
    const plain = await simulateCall(set!, "main", { callId: "c", callerNumber: "5551005" }, scriptedKeys(""), { lookup: { found: { tier: "gold", express: false } }, queue: "empty" });
    expect(plain.state.path.some((p) => p.node === "main#main-menu")).toBe(true);
  });

  test("the shipped main tree: the paid upgrade records consent and queues the caller as express", async () => {
    const { set } = loadTreeSources(readTreeDir("ivr-trees"));
    const { state, lines } = await simulateCall(set!, "main", { callId: "c", callerNumber: "5559999" }, scriptedKeys("9,1,12345678#"), { lookup: { notFound: true }, sales: { "express-upgrade": UPGRADE } });
    expect(state.vars).toMatchObject({ expressConsent: true, account: "12345678" });
    expect(state.customer).toMatchObject({ express: true, expressReason: "upgrade bought in this call" });
    expect(state.outcome).toEqual({ kind: "answered", queue: "support", lane: "express" });
    const purchases = lines.flatMap((l) => (l.kind === "action" && l.action.type === "purchase" ? [l.action] : []));
    expect(purchases).toEqual([{ type: "purchase", product: "express-upgrade", price: 1.99, currency: "EUR", digits: "1", promptVersion: "v1", node: "express-upgrade#quote" }]);
  });

  test("the shipped main tree: with the queue closed to express, the upgrade is not offered and the caller is back at the menu", async () => {
    const { set } = loadTreeSources(readTreeDir("ivr-trees"));
    const { state, lines } = await simulateCall(set!, "main", { callId: "c", callerNumber: "5559999" }, scriptedKeys("9,2,12345678#"), { lookup: { notFound: true }, admission: "closed", sales: { "express-upgrade": UPGRADE } });
    const played = lines.flatMap((l) => (l.kind === "action" && l.action.type === "play" ? l.action.media : []));
    expect(played).toContain("sound:switchboard/express-unavailable");
    expect(played).not.toContain("sound:switchboard/express-offer");
    expect(lines.some((l) => l.kind === "action" && l.action.type === "purchase")).toBe(false);
    expect(state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
  });

  test("the shipped main tree: a caller who never presses anything reaches the operator", async () => {
    const { set } = loadTreeSources(readTreeDir("ivr-trees"));
    const { state } = await simulateCall(set!, "main", { callId: "c", callerNumber: "5559999" }, scriptedKeys(""), { lookup: { error: "down" } });
    expect(state.outcome).toEqual({ kind: "transfer", context: "switchboard-operator", extension: "0" });
  });
});
