/**
 * The supervisor's room: supervisors' accounts (config.ts), their sessions (auth.ts), the live
 * wallboard: its page (page/), its Server-Sent Events (stream.ts, paced by pace.ts) and its routes
 * (router.ts); and the live calls page with listen, whisper, barge and recording (calls-routes.ts, over
 * calls/live-calls.ts, listen.ts and call-recording.ts). The numbers come from a WallboardFeed (metrics/);
 * this room only shows them.
 */
export { wallboardRouter, WALLBOARD_PAGE_DIR, type Wallboard, type WallboardOptions } from "./router.js";
export { DEFAULT_LIMITS, type StreamLimits } from "./stream.js";
export { supervisionRoutes, type LiveCallView, type SupervisionDesk } from "./calls-routes.js";
export { startSupervision, type SupervisionParts } from "./supervision.js";
export {
  checkSupervisorIds,
  supervisionConfigSchema,
  supervisorAccountSchema,
  supervisorsConfigSchema,
  SUPERVISOR_POWERS,
  type SupervisionConfig,
  type SupervisorAccount,
  type SupervisorPower,
  type SupervisorsConfig,
} from "./config.js";
