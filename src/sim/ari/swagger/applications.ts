/** The `applications` resource: the Stasis applications and what they subscribe to. */
import { op, p, s, typed, type Resource } from "./declaration.js";

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
