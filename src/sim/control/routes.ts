/**
 * The control API's resources over HTTP: calls, channels, bridges, agents, and (in
 * `./customer-routes.ts`) customers. Each route validates through `SimControl`, which throws
 * `ControlError` for bad input.
 */
import type { SimControl } from "./api.js";
import { routeCustomers } from "./customer-routes.js";
import { HttpError, type RouteReply, type RouteRequest } from "./http.js";
import type { AgentPatch, PlaceCallInput } from "./requests.js";

async function routeCalls(c: SimControl, r: RouteRequest): Promise<RouteReply> {
  const [, id] = r.parts;
  if (id === undefined) {
    r.allow(["GET", "POST"]);
    if (r.method === "GET") return { status: 200, body: c.listCalls() };
    // validated inside placeCall
    return { status: 201, body: c.placeCall((await r.body()) as PlaceCallInput) };
  }
  r.allow(["GET"]);
  const rec = c.getCall(id);
  if (!rec) throw new HttpError(404, "Call not found");
  return { status: 200, body: rec };
}

function routeChannels(c: SimControl, r: RouteRequest): RouteReply {
  const [, id, sub] = r.parts;
  if (id === undefined) {
    r.allow(["GET"]);
    return { status: 200, body: c.listChannels() };
  }
  if ((sub !== "hearing" && sub !== "audio") || r.parts.length !== 3) throw new HttpError(404, "Not found");
  r.allow(["GET"]);
  const t = sub === "audio" ? c.audio(id) : c.hearing(id);
  if (!t) throw new HttpError(404, "Channel not found");
  return { status: 200, body: t };
}

async function routeAgents(c: SimControl, r: RouteRequest): Promise<RouteReply> {
  if (r.parts.length === 1) {
    r.allow(["GET"]);
    return { status: 200, body: c.listAgents() };
  }
  // the endpoint may come encoded (PJSIP%2F1001) or as two segments (PJSIP/1001)
  const endpoint = r.parts.slice(1).join("/");
  r.allow(["GET", "POST"]);
  if (r.method === "GET") {
    const a = c.getAgent(endpoint);
    if (!a) throw new HttpError(404, "Agent not found");
    return { status: 200, body: a };
  }
  return { status: 200, body: c.updateAgent(endpoint, (await r.body()) as AgentPatch) };
}

/** Routes one request to its resource; 404 for a path no resource has. */
export async function routeControl(c: SimControl, r: RouteRequest): Promise<RouteReply> {
  const [head] = r.parts;
  if (head === "calls" && r.parts.length <= 2) return routeCalls(c, r);
  if (head === "channels") return routeChannels(c, r);
  if (head === "bridges" && r.parts.length === 1) {
    r.allow(["GET"]);
    return { status: 200, body: c.listBridges() };
  }
  if (head === "agents") return routeAgents(c, r);
  const customers = await routeCustomers(c, r);
  if (customers) return customers;
  throw new HttpError(404, "Not found");
}
