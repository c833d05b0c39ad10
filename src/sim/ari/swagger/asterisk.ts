/** The `asterisk` resource: system information and ping. */
import { many, op, q, s, typed, type Resource } from "./declaration.js";

export const asterisk: Resource = {
  name: "asterisk",
  description: "Asterisk resources",
  apis: () => [
    {
      path: "/asterisk/info",
      description: "Asterisk system information",
      operations: [op("GET", "getInfo", "AsteriskInfo", "Asterisk system information.", [many(q("only", "string", "Filter: build, system, config, status"))])],
    },
    { path: "/asterisk/ping", description: "Liveness", operations: [op("GET", "ping", "AsteriskPing", "Response pong message.")] },
  ],
  models: () => ({
    AsteriskInfo: {
      id: "AsteriskInfo",
      description: "Asterisk system information",
      properties: {
        build: typed("object", "Build information", false),
        system: typed("object", "System information", false),
        config: typed("object", "Configuration", false),
        status: typed("object", "Status", false),
      },
    },
    AsteriskPing: {
      id: "AsteriskPing",
      description: "Ping reply",
      properties: { asterisk_id: s("Entity id"), ping: s("Always pong"), timestamp: s("Time of the reply") },
    },
  }),
};
