import { z } from "zod";
import { audienceSchema, previewSchema } from "../outbound/audience.js";
import { attemptEntrySchema } from "../outbound/attempt-log.js";
import { campaignInputSchema, campaignSchema } from "../outbound/campaign.js";
import { campaignKpisSchema } from "../outbound/campaign-kpis.js";
import { memberSchema } from "../outbound/campaign-members.js";
import { leadIdOf, leadSchema } from "../outbound/lead-store.js";
import { webLeadSchema } from "../outbound/web-lead.js";
import type { OperationDoc, ParamDoc, QueryDoc } from "./openapi-operations.js";
import { adminSchemas, errorSchema } from "./openapi-schemas.js";
import { attemptsQuery, leadsQuery, membersQuery, numberBody } from "./outbound.js";

/**
 * Outbound in the admin API's OpenAPI document (docs/outbound.md): audiences, campaigns with their members
 * and KPIs, web leads, the do-not-call list and the attempt log, mounted at /admin/outbound; and the web
 * shop's signed `POST /api/web/leads`, which is not the admin API's (its own server and credential).
 */
const named = <S extends z.ZodType>(id: string, schema: S): S => {
  adminSchemas.add(schema, { id });
  return schema;
};
const count = z.number().int().min(0);

export const EXAMPLE_AUDIENCE_ID = "pro4-support";
export const EXAMPLE_CAMPAIGN_ID = "pro5";
/** The lead the shop's event `example-cart-1` made (lead ids are digests of event ids). */
export const EXAMPLE_LEAD_EVENT = "example-cart-1";
export const EXAMPLE_LEAD_ID = leadIdOf(EXAMPLE_LEAD_EVENT);

// ---- schemas ----

export const audienceBodySchema = named("Audience", audienceSchema.describe("A saved audience: a CEL condition over a customer and their calls (docs/outbound-audiences.md)."));
export const audienceInputSchema = named("AudienceInput", audienceSchema.omit({ savedAt: true }).describe("An audience to save; its condition is compiled first."));
export const audienceReplaceSchema = named("AudienceReplace", audienceSchema.omit({ savedAt: true, id: true }).extend({ id: z.string().optional().describe("if given, the id of the URL") }).strict());
export const audienceAnswerSchema = named("AudienceAnswer", z.object({ audience: audienceBodySchema }));
export const audiencesSchema = named("Audiences", z.object({ audiences: z.array(audienceBodySchema).describe("by id") }));
export const audienceDeletedSchema = named("AudienceDeleted", z.object({ deleted: z.string() }));
export const audiencePreviewRequestSchema = named("AudiencePreviewRequest", previewSchema);
const audienceMemberSchema = named(
  "AudienceMember",
  z.object({
    id: z.string(),
    name: z.string(),
    phones: z.array(z.string()),
    email: z.string().optional(),
    language: z.string(),
    tier: z.string(),
    calls: count.describe("calls in the window"),
    lastCall: z.string().optional().describe("the newest call in the window, ISO"),
  }),
);
export const audiencePreviewSchema = named(
  "AudiencePreview",
  z.object({
    count: count.describe("customers matched (at least this many when `complete` is false)"),
    complete: z.boolean(),
    sample: z.array(audienceMemberSchema),
    since: z.string(),
    window: z.object({ from: z.string().optional(), to: z.string() }),
    stats: z.object({
      scanned: count,
      entries: count,
      candidates: count,
      evaluated: count,
      errors: count,
      firstError: z.string().optional(),
      withoutRecord: count,
      unreadable: count,
    }),
    ms: z.number(),
  }),
);
export const audienceConditionErrorSchema = named(
  "AudienceConditionError",
  z.object({ error: z.string(), line: z.number().int().optional(), col: z.number().int().optional() }).describe("The condition does not compile (`condition:<line>:<col>: error: ...`), or spent its step budget (no line)."),
);

export const campaignInputBodySchema = named("CampaignInput", campaignInputSchema.describe("A campaign: an audience, the script for the pop, a time window, the agents' queue, pacing and retries."));
export const campaignBodySchema = named("Campaign", campaignSchema.describe("A campaign with its state and how many members were taken and fed."));
export const campaignAnswerSchema = named("CampaignAnswer", z.object({ campaign: campaignBodySchema }));
export const campaignsSchema = named("Campaigns", z.object({ campaigns: z.array(campaignBodySchema).describe("by id") }));
export const campaignKpisBodySchema = named(
  "CampaignKpis",
  campaignKpisSchema.extend({ currency: z.string().describe("metrics.currency"), asOf: z.string().nullable().describe("the time of the last event folded (ISO); null before the first") }),
);
export const campaignDetailSchema = named(
  "CampaignDetail",
  z.object({
    campaign: campaignBodySchema,
    members: z.object({ pending: count.describe("not fed yet") }).catchall(count).describe("members by status (docs/outbound.md, member statuses); statuses with none left out"),
    kpis: campaignKpisBodySchema,
  }),
);
export const campaignMemberSchema = named("CampaignMember", memberSchema);
export const campaignMembersSchema = named("CampaignMembers", z.object({ members: z.array(campaignMemberSchema), next: z.string().optional().describe("pass as `cursor` for the next page") }));

export const dncBodySchema = named("DncNumber", numberBody);
export const dncAnswerSchema = named("DncAnswer", z.object({ number: z.string().describe("E.164") }));
export const dncImportSchema = named(
  "DncImport",
  z.object({ rows: count, added: count, already: count, invalid: z.array(z.object({ line: z.number().int(), value: z.string(), reason: z.string() })) }),
);
const attemptEntryBodySchema = named("AttemptEntry", attemptEntrySchema);
export const attemptsSchema = named(
  "AttemptLogPage",
  z.object({
    entries: z.array(z.intersection(attemptEntryBodySchema, z.object({ streamId: z.string() }))).describe("newest first"),
    next: z.string().optional(),
    scanned: count,
  }),
);
export const leadBodySchema = named("WebLead", leadSchema);
export const leadsSchema = named("WebLeads", z.object({ leads: z.array(leadBodySchema).describe("newest first") }));
export const leadAnswerSchema = named("WebLeadAnswer", z.object({ lead: leadBodySchema, attempts: z.array(attemptEntryBodySchema).describe("the lead's decisions and outcomes from the attempt log, newest first") }));

export const webLeadEventSchema = named("WebLeadEvent", webLeadSchema.describe("The web shop's event (docs/outbound-web-leads.md), signed in X-Switchboard-Signature."));
export const webLeadAcceptedSchema = named("WebLeadAccepted", z.object({ leadId: z.string(), score: z.number(), dialable: z.boolean(), duplicate: z.literal(true).optional() }));
export const webLeadRefusedSchema = named(
  "WebLeadRefused",
  z.object({ error: z.string(), field: z.string().optional(), problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(), leadId: z.string().optional() }),
);

// ---- operations ----

const query = (schema: z.ZodObject, params: Record<string, ParamDoc>): QueryDoc => ({ schema, params });
const audienceId = { id: { description: "The audience's id.", example: EXAMPLE_AUDIENCE_ID } };
const campaignId = { id: { description: "The campaign's id.", example: EXAMPLE_CAMPAIGN_ID } };
const notFound = (what: string) => ({ description: `No such ${what}.`, json: errorSchema });
const bad = { description: "The body or a parameter is not valid (the reason names the field).", json: errorSchema };
const conditionRefused = { description: "The condition does not compile (with its line and column), or spent its step budget.", json: audienceConditionErrorSchema };
const busy = { description: "Two audience runs are going already; try again shortly (Retry-After).", json: errorSchema };
const tag = "outbound";

export const outboundOperations: OperationDoc[] = [
  {
    method: "post",
    route: "/outbound/audiences/preview",
    operationId: "previewAudience",
    tag,
    summary: "Count an audience and show a sample",
    description: "Runs a condition not saved yet over the audience index. 503 when the run passes its deadline (30 s).",
    body: { schema: audiencePreviewRequestSchema, example: { condition: 'calls.exists(c, c.reason == "technical support")', since: "30d", sample: 5 } },
    responses: { 200: { description: "The count and the sample.", json: audiencePreviewSchema }, 400: bad, 422: conditionRefused, 429: busy },
  },
  {
    method: "post",
    route: "/outbound/audiences",
    operationId: "saveAudience",
    tag,
    summary: "Save an audience",
    body: { schema: audienceInputSchema, example: { id: "openapi-new", name: "New", condition: "true", since: "30d" } },
    responses: { 201: { description: "Saved.", json: audienceAnswerSchema }, 400: bad, 409: { description: "An audience of that id exists.", json: errorSchema }, 422: conditionRefused },
  },
  { method: "get", route: "/outbound/audiences", operationId: "listAudiences", tag, summary: "Saved audiences", responses: { 200: { description: "By id.", json: audiencesSchema } } },
  {
    method: "get",
    route: "/outbound/audiences/:id",
    operationId: "getAudience",
    tag,
    summary: "One saved audience",
    path: audienceId,
    responses: { 200: { description: "The audience.", json: audienceAnswerSchema }, 404: notFound("audience") },
  },
  {
    method: "put",
    route: "/outbound/audiences/:id",
    operationId: "replaceAudience",
    tag,
    summary: "Replace a saved audience",
    path: audienceId,
    body: { schema: audienceReplaceSchema, example: { name: "Pro 4 support callers", condition: 'calls.exists(c, c.reason == "technical support")', since: "30d" } },
    responses: { 200: { description: "Replaced.", json: audienceAnswerSchema }, 400: bad, 422: conditionRefused },
  },
  {
    method: "get",
    route: "/outbound/audiences/:id/export.csv",
    operationId: "exportAudience",
    tag,
    summary: "Every member of an audience as CSV",
    description: "Streamed; the columns are id, name, phone, other phones, email, language, tier, calls, last call. A run failing after the first rows cuts the download off.",
    path: audienceId,
    responses: { 200: { description: "The members.", text: { "text/csv": "RFC 4180, CRLF line ends, a header row." } }, 404: notFound("audience"), 422: conditionRefused, 429: busy },
  },
  {
    method: "delete",
    route: "/outbound/audiences/:id",
    operationId: "deleteAudience",
    tag,
    summary: "Delete a saved audience",
    description: "A campaign started from it keeps the members it took.",
    path: { id: { description: "The audience's id.", example: "openapi-gone" } },
    responses: { 200: { description: "Deleted.", json: audienceDeletedSchema }, 404: notFound("audience") },
  },
  { method: "get", route: "/outbound/campaigns", operationId: "listCampaigns", tag, summary: "Campaigns", responses: { 200: { description: "By id.", json: campaignsSchema } } },
  {
    method: "post",
    route: "/outbound/campaigns",
    operationId: "createCampaign",
    tag,
    summary: "Create a campaign",
    description: "A draft: nothing is dialled until it is started.",
    body: {
      schema: campaignInputBodySchema,
      example: { id: "openapi-draft", name: "Draft", audience: EXAMPLE_AUDIENCE_ID, queue: "support", script: { title: "Pro 5.0 upgrade" }, window: { from: "2026-12-08T08:00:00+01:00", to: "2026-12-19T18:00:00+01:00" } },
    },
    responses: { 201: { description: "Created.", json: campaignAnswerSchema }, 400: bad, 404: notFound("audience"), 409: { description: "A campaign of that id exists.", json: errorSchema } },
  },
  {
    method: "get",
    route: "/outbound/campaigns/:id",
    operationId: "getCampaign",
    tag,
    summary: "One campaign with its members by status and its KPIs",
    description: "The KPIs are folded from the site's event stream up to this request (docs/kpis.md, campaigns).",
    path: campaignId,
    responses: { 200: { description: "The campaign.", json: campaignDetailSchema }, 404: notFound("campaign") },
  },
  {
    method: "get",
    route: "/outbound/campaigns/:id/members",
    operationId: "listCampaignMembers",
    tag,
    summary: "A campaign's members fed so far, with their status and attempts",
    path: campaignId,
    query: query(membersQuery, {
      status: { description: "Only members in this status.", example: "queued" },
      limit: { description: "About this many (1-1000, default 100).", example: 100 },
      cursor: { description: "The previous page's `next`.", example: "0" },
    }),
    responses: { 200: { description: "A page of members.", json: campaignMembersSchema }, 400: bad, 404: notFound("campaign") },
  },
  ...(["start", "pause"] as const).map(
    (action): OperationDoc => ({
      method: "post",
      route: `/outbound/campaigns/:id/${action}`,
      operationId: `${action}Campaign`,
      tag,
      summary: action === "start" ? "Start (or resume) a campaign" : "Pause a campaign",
      description: action === "start" ? "A draft takes its audience's members now; then members join the queue as agents free up, within the window." : "No more members join the queue; those waiting are still called.",
      path: campaignId,
      responses: { 200: { description: "Its state now.", json: campaignAnswerSchema }, 404: notFound("campaign or audience"), 409: { description: action === "start" ? "Running or done already." : "Not running.", json: errorSchema } },
    }),
  ),
  {
    method: "get",
    route: "/outbound/leads",
    operationId: "listWebLeads",
    tag,
    summary: "Web leads, newest first",
    query: query(leadsQuery, {
      status: { description: "Only leads in this status.", example: "new" },
      limit: { description: "At most this many (1-500, default 50).", example: 50 },
      before: { description: "Only leads received before this instant (epoch ms): the next page.", example: 4102444800000 },
    }),
    responses: { 200: { description: "The leads.", json: leadsSchema }, 400: bad, 404: { description: "Web leads are not configured (outbound.webLeads).", json: errorSchema } },
  },
  {
    method: "get",
    route: "/outbound/leads/:id",
    operationId: "getWebLead",
    tag,
    summary: "One web lead with its attempts",
    path: { id: { description: "The lead's id (`wl-` and 24 hex digits).", example: EXAMPLE_LEAD_ID } },
    responses: { 200: { description: "The lead and what the attempt log holds of it.", json: leadAnswerSchema }, 404: notFound("lead, or web leads are not configured") },
  },
  {
    method: "post",
    route: "/outbound/dnc",
    operationId: "addDoNotCall",
    tag,
    summary: "Put a number on the do-not-call list",
    body: { schema: dncBodySchema, example: { number: "030 1234567" } },
    responses: { 200: { description: "It was on the list already.", json: dncAnswerSchema }, 201: { description: "Added.", json: dncAnswerSchema }, 400: bad },
  },
  {
    method: "delete",
    route: "/outbound/dnc/:number",
    operationId: "removeDoNotCall",
    tag,
    summary: "Take a number off the do-not-call list",
    path: { number: { description: "The number, in any format.", example: "+4930555000" } },
    responses: { 200: { description: "Removed.", json: dncAnswerSchema }, 400: bad, 404: { description: "Not on the list.", json: errorSchema } },
  },
  {
    method: "post",
    route: "/outbound/dnc/import",
    operationId: "importDoNotCall",
    tag,
    summary: "Import numbers onto the do-not-call list",
    description: "One number per row, in a column named number, phone, ... (docs/outbound.md); bad rows are listed, not fatal.",
    textBody: { type: "text/csv", description: "The CSV text (text/plain accepted too), at most 20 MB.", example: "number\n+4930555000\n" },
    responses: { 200: { description: "What was imported.", json: dncImportSchema }, 400: bad },
  },
  {
    method: "get",
    route: "/outbound/attempts",
    operationId: "readAttemptLog",
    tag,
    summary: "The attempt log, newest first",
    description: "Every compliance decision (with each rule's result) and each placed attempt's outcome.",
    query: query(attemptsQuery, {
      number: { description: "Only this number (any format).", example: "+4930123456" },
      leadId: { description: "Only this lead (a campaign member is `<campaign>:<customer>`).", example: "pro5:c-1003" },
      limit: { description: "At most this many (1-1000, default 100).", example: 100 },
    }),
    responses: { 200: { description: "A page of entries.", json: attemptsSchema }, 400: bad },
  },
];

/** The web shop's route: the root server, signed with the shared secret instead of the admin token. */
export const webLeadOperation: OperationDoc = {
  method: "post",
  route: "/api/web/leads",
  operationId: "postWebLead",
  tag: "web-leads",
  summary: "A web shop's abandoned cart or call-me request",
  description:
    "Server to server, signed: `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` with the shared secret (outbound.webLeads.secretEnv). Replay-protected by `t` and the eventId (docs/outbound-web-leads.md).",
  server: "/",
  security: "webLeadSignature",
  body: {
    schema: webLeadEventSchema,
    example: {
      eventId: "openapi-cart-1",
      kind: "abandoned-cart",
      occurredAt: "2026-12-08T10:15:00Z",
      customer: { phone: "+49 30 1234567", name: "Dana Weber" },
      consent: { given: true, at: "2026-12-08T10:12:41Z", version: "checkout-call-consent-v3", source: "checkout-page" },
      cart: { items: [{ sku: "PRO-5", name: "Pro 5.0", quantity: 1, price: 249 }], value: 249, currency: "EUR" },
    },
  },
  responses: {
    200: { description: "This event was received before: its lead (`duplicate: true`), nothing written.", json: webLeadAcceptedSchema },
    202: { description: "A new lead, scored; `dialable` is false without consent.", json: webLeadAcceptedSchema },
    400: { description: "Not JSON, or a field is wrong (`field` is its path).", json: webLeadRefusedSchema },
    401: { description: "No or malformed signature, no matching `v1`, or `t` outside the tolerance.", json: webLeadRefusedSchema },
    409: { description: "The eventId made a lead from a different event (`leadId`).", json: webLeadRefusedSchema },
    413: { description: "The body is over outbound.webLeads.maxBodyBytes.", json: webLeadRefusedSchema },
    415: { description: "The Content-Type is not application/json.", json: webLeadRefusedSchema },
    429: { description: "Over the rate limit for the shop's address (Retry-After).", json: webLeadRefusedSchema },
    503: { description: "No secret configured on this server (Retry-After).", json: webLeadRefusedSchema },
  },
};

export const outboundTags = [
  { name: "outbound", description: "Audiences, campaigns with their members and KPIs, web leads, the do-not-call list and the attempt log (docs/outbound.md)." },
  { name: "web-leads", description: "The web shop's signed leads: not the admin API's (no admin token), served at the root (docs/outbound-web-leads.md)." },
];

