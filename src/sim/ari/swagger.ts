/**
 * The simulator's own Swagger 1.1 declarations of the ARI subset it implements.
 *
 * `ari-client` builds its API from these documents: resource names come from the `apis` paths of
 * resources.json, operations from `nickname`s, parameters from their `name`s, and WebSocket event
 * types from the models of `events`. Nicknames and parameter names therefore follow ARI's, and
 * every event type the simulator sends has a model here (an unknown type crashes ari-client).
 * Each resource's table lives in `swagger/<resource>.ts`.
 */
import { applications } from "./swagger/applications.js";
import { asterisk } from "./swagger/asterisk.js";
import { bridges } from "./swagger/bridges.js";
import { channels } from "./swagger/channels.js";
import type { Resource } from "./swagger/declaration.js";
import { endpoints } from "./swagger/endpoints.js";
import { events } from "./swagger/events.js";
import { playbacks } from "./swagger/playbacks.js";
import { recordings } from "./swagger/recordings.js";

/** In resources.json's order. */
const RESOURCES: Resource[] = [asterisk, endpoints, channels, bridges, recordings, playbacks, events, applications];

const API_VERSION = "10.0.0";

export function resourcesJson(basePath: string): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: "1.1",
    basePath,
    apis: RESOURCES.map((r) => ({ path: `/api-docs/${r.name}.{format}`, description: r.description })),
  };
}

/** The declaration of one resource, or undefined if the simulator does not implement it. */
export function resourceJson(name: string, basePath: string): Record<string, unknown> | undefined {
  const resource = RESOURCES.find((r) => r.name === name);
  if (!resource) return undefined;
  return {
    apiVersion: API_VERSION,
    swaggerVersion: "1.1",
    basePath,
    resourcePath: `/api-docs/${name}.{format}`,
    apis: resource.apis(),
    models: resource.models(),
  };
}

export const IMPLEMENTED_RESOURCES = RESOURCES.map((r) => r.name);
