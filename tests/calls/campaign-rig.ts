/** What the campaign tests share: calling hours, the hour in Tokyo that has not come, the admin API, a window open now. */
import { ADMIN } from "./harness.js";

/** The same hours on every day of the week (default: all day). */
export const everyDay = (ranges: string[] = ["00:00-24:00"]) => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ranges]));

/** One hour a day in Tokyo that starts three hours from now there: now is outside it on every day. */
export function tokyoHourAhead(): string[] {
  const h = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Tokyo", hour: "2-digit", hourCycle: "h23" }).format(new Date()));
  const from = (h + 3) % 24;
  const pad = (n: number) => String(n).padStart(2, "0");
  return [`${pad(from)}:00-${from === 23 ? "24" : pad(from + 1)}:00`];
}

/** Calls the daemon's outbound admin API (/admin/outbound) with the admin token; JSON in and out. */
export function outboundAdmin(url: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin/outbound${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
}

/** A campaign window from a minute ago to an hour from now. */
export const openWindow = () => ({ from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() });
