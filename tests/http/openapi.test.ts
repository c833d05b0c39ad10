/**
 * The admin API's OpenAPI document against the server: every route the admin router has is in the
 * document and nothing else is; a real daemon's answers (simulator, redis-server, real sockets) have the
 * documented status and match the documented schemas, with and without the token; malformed requests get
 * the documented 400; and the document is OpenAPI 3.1 in shape.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { z } from "zod";
import { serveHttp, type HttpServer } from "../../src/daemon/http.js";
import { adminRouter } from "../../src/http/admin.js";
import { documentedOperations as operations } from "../../src/http/openapi.js";
import { EXAMPLE_CAMPAIGN_ID, EXAMPLE_LEAD_EVENT, EXAMPLE_LEAD_ID } from "../../src/http/openapi-outbound.js";
import { errorSchema, openApiDocumentSchema } from "../../src/http/openapi-schemas.js";
import { outboundRouter } from "../../src/http/outbound.js";
import { createLogger } from "../../src/lib/logger.js";
import { ADMIN, stopAll } from "../calls/harness.js";
import { leadWithoutConsent, routerRoutes, signedLead, startRig, type Rig } from "./openapi-rig.js";

// the document is walked as plain JSON: any keeps the walking readable, the schemas check the content
type Json = Record<string, any>;
interface Op {
  path: string;
  method: string;
  op: Json;
}

let rig: Rig;
let doc: Json;
const auth = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  rig = await startRig();
  const res = await fetch(`${rig.url}/admin/openapi.json`, { headers: auth });
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  await stopAll();
});

const opsOf = (d: Json): Op[] => Object.entries(d.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => ({ path, method, op: op as Json })));
const params = (op: Json, where: string): Json[] => ((op.parameters ?? []) as Json[]).filter((p) => p.in === where);

/** The operation's URL with its example path parameters and required query parameters filled in. */
function urlOf({ path, op }: Op, query: Record<string, string | number> = {}): string {
  let p = path;
  for (const param of params(op, "path")) p = p.replace(`{${param.name}}`, encodeURIComponent(String(param.example)));
  const q = new URLSearchParams();
  for (const param of params(op, "query")) if (param.required) q.set(param.name, String(param.example));
  for (const [k, v] of Object.entries(query)) q.set(k, String(v));
  // an operation served elsewhere than /admin (the web shop's leads) names its own server
  const server = (((op.servers ?? doc.servers) as Json[])[0]!.url as string).replace(/\/$/, "");
  return `${rig.url}${server}${p}${q.size ? `?${q}` : ""}`;
}

/** What `#/a/b` points at in the document. */
function resolve(pointer: string): unknown {
  expect(pointer.startsWith("#/"), pointer).toBe(true);
  return pointer
    .slice(2)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined), doc);
}

/** An operation's documented response for a status, with a $ref followed. */
function documented(op: Json, status: number): Json | undefined {
  const r = (op.responses as Json)[String(status)] as Json | undefined;
  return r?.$ref ? (resolve(r.$ref as string) as Json) : r;
}

function schemaFor(operationId: string, status: number): z.ZodType {
  const op = operations.find((o) => o.operationId === operationId)!;
  const shared = !op.security && (status === 401 || status === 503 || status === 500);
  const schema = shared ? errorSchema : op.responses[status]?.json;
  expect(schema, `${operationId} ${status}`).toBeDefined();
  return schema!;
}

/** The body matches the schema, and has nothing the schema leaves out (parsing strips unknown fields). */
function expectMatches(schema: z.ZodType, body: unknown, what: string): void {
  const parsed = schema.safeParse(body);
  expect(parsed.success ? undefined : parsed.error.issues, what).toBeUndefined();
  expect(parsed.data, `${what}: fields the schema does not describe`).toEqual(body);
}

/** Calls an operation and holds its answer against the document: status documented, media type, body schema. */
async function call(o: Op, opts: { query?: Record<string, string | number>; headers?: Record<string, string>; body?: unknown } = {}) {
  const body = opts.body === undefined ? {} : { body: JSON.stringify(opts.body), headers: { ...(opts.headers ?? auth), "content-type": "application/json" } };
  const res = await fetch(urlOf(o, opts.query), { method: o.method.toUpperCase(), headers: opts.headers ?? auth, ...body });
  const what = `${o.method.toUpperCase()} ${o.path} -> ${res.status}`;
  const response = documented(o.op, res.status);
  expect(response, `${what} is not documented`).toBeDefined();
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
  expect(Object.keys((response!.content ?? {}) as Json), what).toContain(type);
  const text = await res.text();
  if (type === "application/json") expectMatches(schemaFor(o.op.operationId as string, res.status), JSON.parse(text), what);
  return { status: res.status, type, text, headers: res.headers, json: () => JSON.parse(text) as Json };
}

const op = (operationId: string): Op => opsOf(doc).find((o) => o.op.operationId === operationId)!;

describe("the document and the router", () => {
  test("every route of the admin router, the outbound router and the web shop's leads is documented with its method, and every documented operation is a route", () => {
    const routes = routerRoutes().sort();
    const ops = opsOf(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
    expect(routes).toContain("GET /openapi.json");
    expect(routes).toContain("GET /outbound/campaigns/{id}");
    expect(routes).toContain("POST /api/web/leads");
    expect(routes.length).toBeGreaterThanOrEqual(35);
    expect(ops).toEqual(routes);
  });

  test("the served document is the one built from the table", () => {
    expectMatches(openApiDocumentSchema, doc, "the document");
    expect(doc.info).toMatchObject({ title: "Switchboard admin API", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe("the document is OpenAPI 3.1 in shape", () => {
  test("version, relative server, bearer security on every operation", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect((doc.servers as Json[])[0]!.url).toMatch(/^\//);
    expect(doc.components.securitySchemes.adminToken).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    expect(doc.components.securitySchemes.webLeadSignature).toEqual(expect.objectContaining({ type: "apiKey", in: "header", name: "X-Switchboard-Signature" }));
    for (const o of opsOf(doc)) {
      // only the web shop's leads are not the admin token's: signed with the shop's secret, at the root
      const own = o.path === "/api/web/leads";
      expect(o.op.security ?? doc.security, o.op.operationId).toEqual(own ? [{ webLeadSignature: [] }] : [{ adminToken: [] }]);
      expect(o.op.servers, o.op.operationId).toEqual(own ? [expect.objectContaining({ url: "/" })] : undefined);
      expect(documented(o.op, 401), o.op.operationId).toBeDefined();
      expect(documented(o.op, 503), o.op.operationId).toBeDefined();
    }
  });

  test("every $ref resolves", () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "$ref") refs.push(v as string);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(resolve(r), r).toBeDefined();
  });

  test("operation ids are there and unique; every response has a description", () => {
    const ids = opsOf(doc).map((o) => o.op.operationId as string);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of opsOf(doc)) {
      for (const status of Object.keys(o.op.responses as Json)) {
        expect(status, o.op.operationId).toMatch(/^[1-5]\d\d$/);
        expect(documented(o.op, Number(status))!.description, `${o.op.operationId} ${status}`).toEqual(expect.any(String));
      }
    }
  });

  test("path templates and path parameters agree; every parameter has a schema", () => {
    for (const o of opsOf(doc)) {
      const inPath = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect(params(o.op, "path").map((p) => p.name).sort(), o.path).toEqual(inPath);
      for (const p of params(o.op, "path")) expect(p.required, `${o.path} ${p.name}`).toBe(true);
      for (const p of (o.op.parameters ?? []) as Json[]) expect(p.schema, `${o.path} ${p.name}`).toEqual(expect.objectContaining({}));
    }
  });

  test("the query parameters named in the brief are there, with their enums", () => {
    const q = (id: string) => Object.fromEntries(params(op(id).op, "query").map((p) => [p.name, p]));
    const reports = q("getReport");
    expect(Object.keys(reports).sort()).toEqual(["by", "format", "from", "queue", "to"]);
    expect(reports.from).toMatchObject({ required: true });
    expect(reports.by.schema.enum).toEqual(["site", "queue", "lane", "queue-lane", "agent", "offer", "interval", "day"]);
    expect(reports.format.schema.enum).toEqual(["json", "csv", "table"]);
    expect(Object.keys(q("calculateStaffing")).sort()).toEqual(["aht", "calls", "interval", "patience", "shrinkage", "target"]);
    expect(q("listFailedJobs").kind.schema.enum).toEqual(["lead", "sale", "express-upgrade", "express-credit", "history", "appointment-moved", "appointment-reminder"]);
    expect(Object.keys(q("listAppointmentSlots")).sort()).toEqual(["from", "queue", "to"]);
    expect(Object.keys(documented(op("getReport").op, 200)!.content as Json).sort()).toEqual(["application/json", "text/csv", "text/plain"]);
  });
});

describe("the daemon answers as documented", () => {
  test("every GET, called with its examples and the token, answers a documented status with a body of the documented schema", async () => {
    const gets = opsOf(doc).filter((o) => o.method === "get");
    expect(gets.length).toBeGreaterThanOrEqual(9);
    for (const o of gets) {
      const a = await call(o);
      expect(a.status, `${o.path}: ${a.text}`).toBe(200);
    }
  });

  test("the lists have something in them, so the item schemas are checked too", async () => {
    const queue = (await call(op("getQueue"))).json();
    // the caller on the line and the two call backs (one asked for by the admin API, one at the example id)
    expect(queue.callers).toHaveLength(3);
    expect((await call(op("listCallbacks"))).json().callbacks).toHaveLength(2);
    expect(queue.agents).toEqual(expect.arrayContaining([expect.objectContaining({ agentId: "a2", state: "paused", pauseReason: "training" })]));
    expect((await call(op("listCalls"))).json().calls).toHaveLength(1);
    const failed = (await call(op("listFailedJobs"))).json().failed as Json[];
    expect(failed).toEqual([expect.objectContaining({ id: rig.failedJob, kind: "lead" })]);
  });

  test("reports by every grouping and in every format", async () => {
    const report = op("getReport");
    for (const by of report.op.parameters.find((p: Json) => p.name === "by").schema.enum as string[]) {
      expect((await call(report, { query: { by } })).status, by).toBe(200);
    }
    const csv = await call(report, { query: { format: "csv" } });
    expect(csv).toMatchObject({ status: 200, type: "text/csv" });
    expect(csv.text.split("\n")[0]).toMatch(/^queue,offered,answered,/);
    const table = await call(report, { query: { format: "table" } });
    expect(table).toMatchObject({ status: 200, type: "text/plain" });
    expect(table.text).toMatch(/^Report /);
  });

  test("staffing with Erlang C and with Erlang A", async () => {
    const c = (await call(op("calculateStaffing"), { query: { shrinkage: 0 } })).json();
    expect(c).toMatchObject({ model: "erlang-c", agents: 14, agentsOnPhones: 14 });
    const a = (await call(op("calculateStaffing"), { query: { shrinkage: 0.3, patience: 120 } })).json();
    expect(a).toMatchObject({ model: "erlang-a", agents: 18, agentsOnPhones: 12, abandonRate: expect.any(Number) });
  });

  test("the POST operations: reload, retry all, retry one (202, 409, 404)", async () => {
    expect((await call(op("reloadTrees"))).json()).toMatchObject({ status: "unchanged" });
    expect((await call(op("retryFailedJobs"), { query: { kind: "sale" } })).json()).toEqual({ retried: 0 });
    const retry = op("retryJob");
    rig.webhook.respond = () => ({ status: 200 });
    const id = { ...retry, path: retry.path.replace("{id}", rig.failedJob) };
    expect((await call(id)).json()).toEqual({ result: "retried" });
    // back in line (or delivered by now): not in the failed list either way
    expect(await call(id)).toMatchObject({ status: 409 });
    expect(await call(retry)).toMatchObject({ status: 404 }); // the example id is no job
    expect((await call({ ...op("getQueue"), path: "/queues/nope" })).json()).toEqual({ error: 'no queue named "nope"' });
  });

  test("the appointment operations: book (201, 200 again, 409, 403, 400), move (200, 409), cancel (200), one unknown (404)", async () => {
    // slots hours ahead: no call back joins the queue during the tests
    const open = ((await call(op("listAppointmentSlots"))).json().slots as Json[]).filter((x) => x.room.standard > 0 && x.start > Date.now() + 3 * 3_600_000);
    const book = op("bookAppointment");
    const first = { id: "openapi-1", queue: "support", slotStart: open[0]!.start, number: "5551001", express: false };
    expect((await call(book, { body: first })).json()).toMatchObject({ booking: { id: "openapi-1" }, replayed: false });
    expect(await call(book, { body: first })).toMatchObject({ status: 200 });
    expect(await call(book, { body: { queue: "support", slotStart: open[1]!.start, number: "5551003", customerId: "c-1003", express: true } })).toMatchObject({ status: 403 });
    expect(await call(book, { body: { queue: "support", slotStart: open[1]!.start + 1, number: "5551003" } })).toMatchObject({ status: 400 });
    expect(await call(book, { body: { queue: "support", slotStart: open[1]!.start } })).toMatchObject({ status: 400 });
    const move = op("moveAppointment");
    const moveOne = { ...move, path: move.path.replace("{id}", "openapi-1") };
    expect((await call(moveOne, { body: { slotStart: open[1]!.start } })).json()).toMatchObject({ moved: true });
    const cancel = op("cancelAppointment");
    expect((await call({ ...cancel, path: cancel.path.replace("{id}", "openapi-1") })).json()).toMatchObject({ cancelled: true });
    expect((await call(moveOne, { body: { slotStart: open[2]!.start } })).json()).toMatchObject({ reason: "cancelled" });
    expect(await call({ ...op("getAppointment"), path: "/appointments/nobody" })).toMatchObject({ status: 404 });
    // a full slot: fill the first open one with standard bookings, then one more
    const full = (await call(op("listAppointmentSlots"))).json().slots.find((x: Json) => x.start === open[3]!.start);
    for (let i = 0; i < full.room.standard; i++) await call(book, { body: { queue: "support", slotStart: full.start, number: "5551002", express: false } });
    expect((await call(book, { body: { queue: "support", slotStart: full.start, number: "5551002", express: false } })).json()).toMatchObject({ reason: "full" });
  });

  test("without the token (or with a wrong one) every operation is the documented 401, before any validation", async () => {
    for (const o of opsOf(doc).filter((x) => !x.op.security)) {
      for (const headers of [{}, { authorization: "Bearer not-the-token" }] as Record<string, string>[]) {
        const a = await call(o, { headers });
        expect(a.status, o.path).toBe(401);
        expect(a.headers.get("www-authenticate")).toMatch(/^Bearer realm="switchboard-admin"/);
        expect(a.json().error).toMatch(/^(missing bearer token|invalid token)$/);
      }
    }
  });
});

describe("outbound answers as documented", () => {
  const on = (operationId: string, id: string): Op => {
    const o = op(operationId);
    return { ...o, path: o.path.replace(/\{[^}]+\}/, encodeURIComponent(id)) };
  };

  test("audiences: preview (200, 422), save (201, 409), replace (200), delete (200, 404)", async () => {
    const preview = (await call(op("previewAudience"), { body: { condition: "true", sample: 2 } })).json();
    expect(preview).toMatchObject({ count: 0, complete: true, sample: [] });
    expect((await call(op("previewAudience"), { body: { condition: "calls.exists(c, c.reson == 1)" } })).json()).toMatchObject({ line: 1 });
    expect(await call(op("saveAudience"), { body: { id: "openapi-gone", name: "Gone", condition: "true" } })).toMatchObject({ status: 201 });
    expect(await call(op("saveAudience"), { body: { id: "openapi-gone", name: "Gone", condition: "true" } })).toMatchObject({ status: 409 });
    expect((await call(op("replaceAudience"), { body: { name: "Renamed", condition: "true", since: "7d" } })).json()).toMatchObject({ audience: { name: "Renamed", since: "7d" } });
    expect(await call(op("deleteAudience"))).toMatchObject({ status: 200 });
    expect(await call(op("deleteAudience"))).toMatchObject({ status: 404 });
    expect(await call(on("exportAudience", "nobody"))).toMatchObject({ status: 404 });
  });

  test("campaigns: create (201, 409, 404), start and pause (200, 409), one unknown (404), a bad page (400)", async () => {
    const create = op("createCampaign");
    // the document's example, in a window around now
    const window = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const body = { ...(create.op.requestBody.content["application/json"].example as Json), window };
    expect((await call(create, { body })).json()).toMatchObject({ campaign: { id: "openapi-draft", state: "draft", members: 0 } });
    expect(await call(create, { body })).toMatchObject({ status: 409 });
    expect(await call(create, { body: { ...body, id: "openapi-other", audience: "nobody" } })).toMatchObject({ status: 404 });
    // its audience selects nobody in this index: started, it is done at once
    expect((await call(on("startCampaign", "openapi-draft"))).json()).toMatchObject({ campaign: { state: "done", members: 0 } });
    expect(await call(on("startCampaign", "openapi-draft"))).toMatchObject({ status: 409 });
    expect(await call(on("pauseCampaign", "openapi-draft"))).toMatchObject({ status: 409 });
    expect((await call(on("getCampaign", "openapi-draft"))).json()).toMatchObject({ members: { pending: 0 }, kpis: { leads: 0, attempts: 0, revenue: 0, currency: "EUR" } });
    expect(await call(on("getCampaign", "nobody"))).toMatchObject({ status: 404 });
    expect(await call(on("listCampaignMembers", EXAMPLE_CAMPAIGN_ID), { query: { status: "sleeping" } })).toMatchObject({ status: 400 });
  });

  test("the do-not-call list: add (201, 200), remove (200, 404), import a CSV; the attempt log's bad limit (400)", async () => {
    expect((await call(op("addDoNotCall"), { body: { number: "030 1234567" } })).json()).toEqual({ number: "+49301234567" });
    expect(await call(op("addDoNotCall"), { body: { number: "030 1234567" } })).toMatchObject({ status: 200 });
    expect(await call(op("addDoNotCall"), { body: { number: "not a number" } })).toMatchObject({ status: 400 });
    const imported = await fetch(urlOf(op("importDoNotCall")), { method: "POST", headers: { ...auth, "content-type": "text/csv" }, body: "number\n+4930555000\nnot a number\n" });
    expect(imported.status).toBe(200);
    const result = await imported.json();
    expectMatches(schemaFor("importDoNotCall", 200), result, "POST /outbound/dnc/import");
    expect(result).toMatchObject({ rows: 2, added: 1, invalid: [{ line: 3 }] });
    expect(await call(op("removeDoNotCall"))).toMatchObject({ status: 200 });
    expect(await call(op("removeDoNotCall"))).toMatchObject({ status: 404 });
    expect(await call(op("readAttemptLog"), { query: { limit: 0 } })).toMatchObject({ status: 400 });
  });

  test("web leads: the lead over the admin API; the shop's route signed (202, 200 again), unsigned (401), malformed (400)", async () => {
    expect((await call(op("getWebLead"))).json()).toMatchObject({ lead: { id: EXAMPLE_LEAD_ID, dialable: false, status: "new" }, attempts: [] });
    expect(await call(on("getWebLead", "wl-000000000000000000000000"))).toMatchObject({ status: 404 });
    const post = op("postWebLead");
    const answer = async (res: Response, status: number) => {
      expect(res.status).toBe(status);
      expect(documented(post.op, status), `POST /api/web/leads -> ${status}`).toBeDefined();
      const body = await res.json();
      expectMatches(schemaFor("postWebLead", status), body, `POST /api/web/leads -> ${status}`);
      return body as Json;
    };
    expect(await answer(await signedLead(rig.url, leadWithoutConsent("openapi-new-1")), 202)).toMatchObject({ dialable: false });
    expect(await answer(await signedLead(rig.url, leadWithoutConsent(EXAMPLE_LEAD_EVENT)), 200)).toMatchObject({ leadId: EXAMPLE_LEAD_ID });
    expect((await call(post, { headers: {}, body: leadWithoutConsent("openapi-unsigned") })).status).toBe(401);
    expect(await answer(await signedLead(rig.url, { ...leadWithoutConsent("openapi-bad"), kind: "fax-me" }), 400)).toMatchObject({ field: "kind" });
    expect(await answer(await signedLead(rig.url, leadWithoutConsent("openapi-wrong"), "not-the-shop-secret"), 401)).toMatchObject({ error: expect.any(String) });
  });
});

describe("malformed requests", () => {
  const expectReason = (a: { status: number; text: string; json: () => Json }, pattern: RegExp) => {
    expect(a.status).toBe(400);
    expect(Object.keys(a.json())).toEqual(["error"]);
    expect(a.json().error).toMatch(pattern);
    expect(a.text).not.toMatch(/\bat\s+\S+\s*\(|node_modules|\/src\/|ZodError|<html/);
  };

  test("a bad `by`, a missing `from`, an unknown parameter: the documented 400 with the reason", async () => {
    const report = op("getReport");
    expectReason(await call(report, { query: { by: "weekday" } }), /^by: /);
    expectReason(await call({ ...report, op: { ...report.op, parameters: [] } }), /from/);
    expectReason(await call(report, { query: { from: "yesterday" } }), /not a date/);
    expectReason(await call(report, { query: { from: "today", to: "2020-01-01" } }), /to must be after from/);
    expectReason(await call(report, { query: { colour: "red" } }), /colour/);
  });

  test("a bad `target` and other figures for staffing: the documented 400 with the reason", async () => {
    const staffing = op("calculateStaffing");
    expectReason(await call(staffing, { query: { target: "80" } }), /target is <percent>\/<seconds>/);
    expectReason(await call(staffing, { query: { target: "100/20" } }), /percent/);
    expectReason(await call(staffing, { query: { calls: "many" } }), /calls must be a number/);
    expectReason(await call(staffing, { query: { shrinkage: 1 } }), /shrinkage/);
  });

  test("a bad job kind: the documented 400", async () => {
    expectReason(await call(op("listFailedJobs"), { query: { kind: "invoice" } }), /kind must be one of/);
    expectReason(await call(op("retryFailedJobs"), { query: { kind: "" } }), /kind must be one of/);
  });
});

describe("without an admin token configured", () => {
  let server: HttpServer;
  beforeAll(async () => {
    const stub = {} as never;
    const log = createLogger("silent");
    server = await serveHttp({
      config: { host: "127.0.0.1", port: 0, adminToken: { env: "UNSET" }, trustProxy: [] },
      checks: [],
      routes: [
        ["/admin", adminRouter({ token: undefined, queue: stub, calls: stub, registry: stub, jobs: stub, kpis: stub, callbacks: stub, appointments: stub })],
        ["/admin/outbound", outboundRouter({ token: undefined, campaigns: stub, feeder: stub, members: stub, tally: stub, audiences: stub, index: stub, dnc: stub, attempts: stub, currency: "EUR" })],
      ],
      sockets: undefined,
      log,
    });
  });
  afterAll(() => server.stop());

  test("every operation of the admin token is the documented 503", async () => {
    for (const o of opsOf(doc).filter((x) => !x.op.security)) {
      const url = urlOf(o).replace(rig.url, server.url);
      const res = await fetch(url, { method: o.method.toUpperCase(), headers: auth });
      expect(res.status, o.path).toBe(503);
      expect(documented(o.op, 503)).toBeDefined();
      expectMatches(errorSchema, await res.json(), o.path);
    }
  });
});
