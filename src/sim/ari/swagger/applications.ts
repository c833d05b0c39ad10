/** The `applications` resource: the Stasis applications and what they subscribe to. */
import { many, op, p, q, s, typed, type Resource } from "./declaration.js";

const eventSource = many(q("eventSource", "string", "URI for event source (channel:{channelId}, bridge:{bridgeId}, endpoint:{tech}[/{resource}], deviceState:{deviceName}", true));

export const applications: Resource = {
  name: "applications",
  description: "Stasis application resources",
  apis: () => [
    { path: "/applications", description: "Stasis applications", operations: [op("GET", "list", "List[Application]", "List all applications.")] },
    {
      path: "/applications/{applicationName}",
      description: "A Stasis application",
      operations: [op("GET", "get", "Application", "Application details.", [p("applicationName", "Application's name")], [[404, "Application does not exist."]])],
    },
    {
      path: "/applications/{applicationName}/subscription",
      description: "Stasis application",
      operations: [
        op("POST", "subscribe", "Application", "Subscribe an application to a event source.", [p("applicationName", "Application's name"), eventSource], [
          [400, "Missing parameter."],
          [404, "Application does not exist."],
          [422, "Event source does not exist."],
        ]),
        op("DELETE", "unsubscribe", "Application", "Unsubscribe an application from an event source.", [p("applicationName", "Application's name"), eventSource], [
          [400, "Missing parameter; event source scheme not recognized."],
          [404, "Application does not exist."],
          [409, "Application not subscribed to event source."],
          [422, "Event source does not exist."],
        ]),
      ],
    },
  ],
  models: () => ({
    Application: {
      id: "Application",
      description: "A Stasis application",
      properties: {
        name: s("Name"),
        channel_ids: typed("List[string]", "Subscribed channel ids"),
        bridge_ids: typed("List[string]", "Subscribed bridge ids"),
        endpoint_ids: typed("List[string]", "Subscribed endpoints"),
        device_names: typed("List[string]", "Subscribed devices"),
        events_allowed: typed("List[object]", "Event type filter (allowed)"),
        events_disallowed: typed("List[object]", "Event type filter (disallowed)"),
      },
    },
  }),
};
