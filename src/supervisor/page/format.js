// How the board writes its numbers, and how it rates them against their targets. Pure: no DOM, no clock.

const pad = (n) => String(n).padStart(2, "0");

/** A wait as mm:ss (minutes keep counting past 59: a wall reads 75:10 faster than 1:15:10). */
export function mmss(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
}

/** A ratio (0..1) as a whole percentage; null (nothing to measure yet) as a dash. */
export function percent(ratio) {
  return ratio === null || ratio === undefined ? "–" : `${Math.round(ratio * 100)}%`;
}

export function money(amount, currency, locale = "en") {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${Math.round(amount)} ${currency}`; // a currency code Intl does not know
  }
}

/** Epoch ms as the site's wall-clock time (hh:mm:ss, or hh:mm with `short`). */
export function clock(at, timeZone, short = false) {
  const opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...(short ? {} : { second: "2-digit" }) };
  try {
    return new Intl.DateTimeFormat("en-GB", { ...opts, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat("en-GB", opts).format(at); // an unknown zone: the screen's own
  }
}

/** Below the target by less than this, a service level is "near" (amber) rather than "below" (red). */
const NEAR = 0.05;

/**
 * Service level against its target (percent): a status for the colour and the words that say the same
 * without it. `none` before the first call.
 */
export function slStatus(ratio, targetPercent) {
  if (ratio === null || ratio === undefined) return { status: "none", text: "No calls yet" };
  const target = targetPercent / 100;
  if (ratio >= target) return { status: "ok", text: "On target" };
  if (ratio >= target - NEAR) return { status: "warn", text: "Near target" };
  return { status: "bad", text: "Below target" };
}

/** The longest wait against the lane's answer time. */
export function waitStatus(ms, slSeconds) {
  if (ms <= 0) return { status: "none", text: "Nobody waiting" };
  return ms > slSeconds * 1000 ? { status: "bad", text: "Over target" } : { status: "ok", text: "Within target" };
}

/** Agents on the phones against what the load needs. */
export function staffStatus(staffed, needed) {
  if (needed === null || needed === undefined) return { status: "none", text: "No load to size" };
  if (staffed >= needed) return { status: "ok", text: staffed === needed ? "Enough" : `${staffed - needed} spare` };
  return { status: "bad", text: `${needed - staffed} short` };
}

/**
 * The target a queue's service level is held to: its strictest lane's (highest percent, then fewest
 * seconds), as the staffing figure is sized; null without lanes.
 */
export function queueTarget(lanes) {
  let best = null;
  for (const l of lanes) {
    if (!best || l.sla.percent > best.percent || (l.sla.percent === best.percent && l.sla.seconds < best.seconds)) best = l.sla;
  }
  return best;
}
