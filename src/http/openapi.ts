import { readFileSync } from "node:fs";
import { z } from "zod";
import { operations, tags, type OperationDoc, type QueryDoc, type ResponseDoc } from "./openapi-operations.js";
import { outboundOperations, outboundTags, webLeadOperation } from "./openapi-outbound.js";
import { adminSchemas } from "./openapi-schemas.js";

/** Every operation the document describes: the admin router's, outbound's (/admin/outbound) and the web shop's leads. */
export const documentedOperations: readonly OperationDoc[] = [...operations, ...outboundOperations, webLeadOperation];

/**
 * The admin API's OpenAPI 3.1 document, built from the route table (openapi-operations.ts) and the zod
 * schemas (openapi-schemas.ts), which zod converts to JSON Schema 2020-12 (OpenAPI 3.1's dialect).
 * Served at GET /admin/openapi.json behind the admin token.
 */
type Json = Record<string, unknown>;

const TARGET = "draft-2020-12";
const ref = (id: string) => `#/components/schemas/${id}`;

/** Answers every operation can have, from the guard and the error handler rather than the route. */
const sharedResponses = {
  Unauthorized: {
    description: "The bearer token is missing or wrong (`missing bearer token`, `invalid token`).",
    headers: { "WWW-Authenticate": { description: 'Bearer realm="switchboard-admin"', schema: { type: "string" } } },
    content: { "application/json": { schema: { $ref: ref("Error") } } },
  },
  AdminDisabled: {
    description: "The admin API is disabled: the daemon has no admin token configured (http.adminToken).",
    content: { "application/json": { schema: { $ref: ref("Error") } } },
  },
  InternalError: {
    description: "The route failed; the reason is in the daemon's log, never in the answer.",
    content: { "application/json": { schema: { $ref: ref("Error") } } },
  },
};
const shared = { 401: "Unauthorized", 503: "AdminDisabled", 500: "InternalError" } as const;

/** Component schemas: every registered schema, with cross references between them as $refs. */
function componentSchemas(): Record<string, Json> {
  // input mode: an object promises its fields, not that no field is ever added (no additionalProperties: false)
  const { schemas } = z.toJSONSchema(adminSchemas, { target: TARGET, io: "input", uri: ref }) as { schemas: Record<string, Json> };
  for (const s of Object.values(schemas)) {
    // each is a schema in the document, not a resource of its own
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

function schemaRef(schema: z.ZodType): Json {
  const id = adminSchemas.get(schema)?.id;
  if (!id) throw new Error("an admin API answer's schema must be registered in openapi-schemas.ts");
  return { $ref: ref(id) };
}

function queryParameters(q: QueryDoc): Json[] {
  const object = z.toJSONSchema(q.schema, { target: TARGET, io: "input" }) as { properties: Record<string, Json>; required?: string[] };
  return Object.entries(q.params).map(([name, doc]) => ({
    name,
    in: "query",
    required: object.required?.includes(name) ?? false,
    description: doc.description,
    schema: object.properties[name],
    example: doc.example,
  }));
}

function response(r: ResponseDoc): Json {
  const content: Json = {};
  if (r.json) content["application/json"] = { schema: schemaRef(r.json) };
  for (const [type, description] of Object.entries(r.text ?? {})) content[type] = { schema: { type: "string", description } };
  return { description: r.description, ...(Object.keys(content).length && { content }) };
}

function operation(op: OperationDoc): Json {
  const parameters = [
    ...Object.entries(op.path ?? {}).map(([name, doc]) => ({ name, in: "path", required: true, description: doc.description, schema: { type: "string" }, example: doc.example })),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  const responses: Json = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, response(r)]));
  // the admin token's answers; an operation with its own credential documents its own
  if (!op.security) for (const [status, name] of Object.entries(shared)) responses[status] = { $ref: `#/components/responses/${name}` };
  const text = op.textBody && { [op.textBody.type]: { schema: { type: "string", description: op.textBody.description }, example: op.textBody.example } };
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    ...(op.server && { servers: [{ url: op.server, description: "this daemon, at its root" }] }),
    ...(op.security && { security: [{ [op.security]: [] }] }),
    ...(parameters.length && { parameters }),
    ...(op.body && { requestBody: { required: true, content: { "application/json": { schema: schemaRef(op.body.schema), example: op.body.example } } } }),
    ...(text && { requestBody: { required: true, content: text } }),
    responses,
  };
}

/** The OpenAPI path of an express route: `/jobs/:id/retry` -> `/jobs/{id}/retry`. */
export function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

export function buildOpenApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of documentedOperations) (paths[openApiPath(op.route)] ??= {})[op.method] = operation(op);
  return {
    openapi: "3.1.0",
    info: {
      title: "Switchboard admin API",
      version,
      description:
        "Queues, live calls, IVR trees, webhook jobs, call backs, appointments, outbound (audiences, campaigns, web leads, the do-not-call list, the attempt log), KPI reports and staffing of one Switchboard daemon. Every operation needs the admin bearer token (the environment variable named by http.adminToken, SWITCHBOARD_ADMIN_TOKEN by default); without a configured token every route answers 503. The one exception is the web shop's POST /api/web/leads, at the daemon's root and signed with the shop's secret.",
    },
    // relative: the API is on the daemon that serves this document, under /admin
    servers: [{ url: "/admin", description: "this daemon" }],
    security: [{ adminToken: [] }],
    tags: [...tags, ...outboundTags],
    paths,
    components: {
      schemas: componentSchemas(),
      responses: sharedResponses,
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "The admin token, as `Authorization: Bearer <token>`." },
        webLeadSignature: { type: "apiKey", in: "header", name: "X-Switchboard-Signature", description: "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\"> with the web shop's shared secret." },
      },
    },
  };
}

let built: Json | undefined;

/** The document for this build (version from package.json), made once. */
export function openApiDocument(): Json {
  if (!built) {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    built = buildOpenApiDocument(pkg.version);
  }
  return built;
}
