import type { Redis } from "ioredis";
import { AppointmentSchedule, AppointmentStore, Appointments, type AppointmentCallbacks } from "../callbacks/index.js";
import { CallbackRequestError, type CallbackRequests } from "../calls/callback-requests.js";
import type { Config } from "../config/schema.js";
import { expressEntitlement } from "../crm/entitlement.js";
import type { CustomerStore } from "../crm/store.js";
import type { EventLog } from "../events/log.js";
import type { JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { Running } from "./lifecycle.js";

export interface AppointmentsDeps {
  config: Config;
  redis: Redis;
  queue: CallerQueue;
  /** Call backs asked for outside a call: an appointment becomes one at its time. */
  callbacks: CallbackRequests;
  /** The CRM store: express is checked against the customer's record. */
  customers: CustomerStore;
  jobs: JobHub;
  events: EventLog;
  log: Logger;
}

export interface AppointmentsPart extends Running {
  appointments: Appointments;
  schedule: AppointmentSchedule;
}

/**
 * The appointment calendars (config `appointments`, one per queue) in Redis, and the delayed jobs that
 * queue each booking's call back and send its reminder. Started after the calls (a job that comes due
 * queues a call back at once) and stopped before them: the worker lets a running job finish first.
 */
export async function startAppointments(deps: AppointmentsDeps): Promise<AppointmentsPart> {
  const { config, queue, callbacks, log } = deps;
  const store = new AppointmentStore({ redis: deps.redis, queues: config.appointments, site: queue.keys.site, keyPrefix: config.redis.keyPrefix });
  // the worker's jobs go to the service made just below; none runs before ready()
  const schedule: AppointmentSchedule = new AppointmentSchedule({ redisUrl: config.redis.url, prefix: config.redis.keyPrefix, run: (name, data) => appointments.due(name, data), logger: log });
  const appointments: Appointments = new Appointments({
    store,
    schedule,
    callbacks: callbackSide(callbacks, queue),
    entitlement: (q) => expressEntitlement(deps.customers, config.express, q, config.crm.timeoutMs),
    jobs: deps.jobs,
    events: deps.events,
    logger: log,
  });
  await schedule.ready();
  return { appointments, schedule, stop: () => schedule.close() };
}

/** Appointments' call backs as the calls have them: express bookings in the queue's express lane. */
function callbackSide(callbacks: CallbackRequests, queue: CallerQueue): AppointmentCallbacks {
  return {
    async create(r) {
      const existed = (await callbacks.get(r.id)) !== null;
      const q = queue.settings.queues.get(r.queue);
      const lane = q && (r.express ? (q.admission?.lane ?? q.lanes[0]) : q.lanes.at(-1));
      const cb = await callbacks.create(
        { queue: r.queue, number: r.number, reason: r.reason, ...(r.name && { name: r.name }), ...(lane && { lane }) },
        "appointment",
        { id: r.id, joinedAt: r.joinedAt, quotedMs: r.quotedMs, ...(r.customerId && { customerId: r.customerId }) },
      );
      return { id: cb.id, created: !existed };
    },
    async cancel(id) {
      try {
        return (await callbacks.cancel(id)).state;
      } catch (err) {
        // none (404), or being dialled or over (409): it stays as it is
        if (err instanceof CallbackRequestError) return (await callbacks.get(id))?.state;
        throw err;
      }
    },
    state: async (id) => (await callbacks.get(id))?.state,
  };
}
