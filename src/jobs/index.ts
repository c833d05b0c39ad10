export { jobsConfigSchema, webhookSchema, type JobsConfig, type WebhookConfig } from "./config.js";
export {
  JOB_KINDS,
  WEBHOOK_FOR,
  appointmentMovedPayloadSchema,
  appointmentReminderPayloadSchema,
  expressCreditPayloadSchema,
  expressUpgradePayloadSchema,
  historyPayloadSchema,
  isJobKind,
  jobIdFor,
  leadPayloadSchema,
  payloadSchemas,
  salePayloadSchema,
  type AnyPayload,
  type AppointmentMovedPayload,
  type AppointmentReminderPayload,
  type ExpressCreditPayload,
  type ExpressUpgradePayload,
  type HistoryPayload,
  type JobKind,
  type LeadPayload,
  type PayloadOf,
  type SalePayload,
} from "./payloads.js";
export { signBody, verifySignature } from "./signature.js";
export { type DeliveryBody } from "./delivery.js";
export {
  JobHub,
  JobPayloadError,
  type DeliveryStatus,
  type FailedJob,
  type JobHubOptions,
  type KindCounts,
  type RetryResult,
} from "./hub.js";
