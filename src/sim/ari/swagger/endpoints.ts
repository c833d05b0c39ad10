/** The `endpoints` resource: the configured endpoints (PJSIP phones and trunks) and their state. */
import { oneOf, op, p, s, typed, type Resource } from "./declaration.js";

export const endpoints: Resource = {
  name: "endpoints",
  description: "Endpoint resources",
  apis: () => [
    { path: "/endpoints", description: "Asterisk endpoints", operations: [op("GET", "list", "List[Endpoint]", "List all endpoints.")] },
    {
      path: "/endpoints/{tech}",
      description: "Asterisk endpoints",
      operations: [op("GET", "listByTech", "List[Endpoint]", "List available endoints for a given endpoint technology.", [p("tech", "Technology of the endpoints (PJSIP, ...)")], [[404, "Endpoints not found"]])],
    },
    {
      path: "/endpoints/{tech}/{resource}",
      description: "Single endpoint",
      operations: [op("GET", "get", "Endpoint", "Details for an endpoint.", [p("tech", "Technology of the endpoint"), p("resource", "ID of the endpoint")], [[404, "Endpoints not found"]])],
    },
  ],
  models: () => ({
    Endpoint: {
      id: "Endpoint",
      description: "An external device that may offer/accept calls to/from Asterisk.",
      properties: {
        technology: s("Technology of the endpoint"),
        resource: s("Identifier of the endpoint, specific to the given technology."),
        state: { ...oneOf("Endpoint's state", ["unknown", "offline", "online"]), required: false },
        channel_ids: typed("List[string]", "Id's of channels associated with this endpoint"),
      },
    },
  }),
};
