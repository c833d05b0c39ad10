/**
 * The supervisor's room: supervisors' accounts (config.ts), their sessions (auth.ts) and the live
 * wallboard: its page (page/), its Server-Sent Events (stream.ts, paced by pace.ts) and its routes
 * (router.ts). The numbers come from a WallboardFeed (metrics/); this room only shows them.
 */
export { wallboardRouter, WALLBOARD_PAGE_DIR, type Wallboard, type WallboardOptions } from "./router.js";
export { DEFAULT_LIMITS, type StreamLimits } from "./stream.js";
export { checkSupervisorIds, supervisorAccountSchema, supervisorsConfigSchema, type SupervisorAccount, type SupervisorsConfig } from "./config.js";
