/**
 * The customers of the control API over HTTP:
 *
 * | method | path | what |
 * | --- | --- | --- |
 * | GET | /customers | the listed numbers: behaviour, `dialString`, call counts |
 * | POST | /customers | list a number (a `CustomerSpec`) -> 201 |
 * | GET, POST | /customers/default | the trunk and what numbers not listed do; POST changes it (a patch) |
 * | GET, POST | /customers/:number | one number; POST changes its behaviour (a patch; lists it if needed) |
 * | GET | /customer-calls[?number=] | the records of the customer calls kept |
 * | GET | /customer-calls/:channelId | one record (the originated channel's id) |
 */
import type { SimControl } from "./api.js";
import type { CustomerPatch, CustomerSpecInput } from "../scenario/customer-spec.js";
import { HttpError, type RouteReply, type RouteRequest } from "./http.js";

async function routeNumbers(c: SimControl, r: RouteRequest): Promise<RouteReply> {
  const [, number] = r.parts;
  if (number === undefined) {
    r.allow(["GET", "POST"]);
    if (r.method === "GET") return { status: 200, body: c.listCustomers() };
    return { status: 201, body: c.addCustomer((await r.body()) as CustomerSpecInput) };
  }
  r.allow(["GET", "POST"]);
  if (number === "default") {
    if (r.method === "GET") return { status: 200, body: c.customerDefaults() };
    return { status: 200, body: c.setCustomerDefaults((await r.body()) as CustomerPatch) };
  }
  if (r.method === "GET") {
    const v = c.getCustomer(number);
    if (!v) throw new HttpError(404, "Customer not listed");
    return { status: 200, body: v };
  }
  return { status: 200, body: c.updateCustomer(number, (await r.body()) as CustomerPatch) };
}

function routeCalls(c: SimControl, r: RouteRequest): RouteReply {
  const [, id] = r.parts;
  r.allow(["GET"]);
  if (id === undefined) return { status: 200, body: c.customerCalls(r.query.get("number") ?? undefined) };
  const rec = c.getCustomerCall(id);
  if (!rec) throw new HttpError(404, "Customer call not found");
  return { status: 200, body: rec };
}

/** The reply for a customers path, or undefined when the path is not one. */
export async function routeCustomers(c: SimControl, r: RouteRequest): Promise<RouteReply | undefined> {
  const [head] = r.parts;
  if (head === "customers" && r.parts.length <= 2) return routeNumbers(c, r);
  if (head === "customer-calls" && r.parts.length <= 2) return routeCalls(c, r);
  return undefined;
}
