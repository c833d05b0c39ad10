import { DAY_MS, isoTime, localDayOf, wallOf } from "./wall-time.js";

/**
 * How a slot's start is said to a caller, with Asterisk's core sounds only (its `digits/` family, as
 * its own say.c uses them): the day (today, tomorrow, the weekday within the week, else the weekday
 * and the date), then the time on the 24-hour clock ("at 15 30", "at 9 o'clock", "at 15 oh 5"), in
 * the calendar's zone. The label is the same in words, for the call's path and the pop.
 */

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export interface SpokenSlot {
  label: string;
  media: string[];
}

export function spokenSlot(start: number, now: number, timeZone: string): SpokenSlot {
  const wall = new Date(wallOf(start, timeZone));
  const days = Math.round((localDayOf(start, timeZone) - localDayOf(now, timeZone)) / DAY_MS);
  const weekday = wall.getUTCDay();
  const [day, dayMedia] =
    days === 0
      ? ["today", ["sound:digits/today"]]
      : days === 1
        ? ["tomorrow", ["sound:digits/tomorrow"]]
        : days > 1 && days < 7
          ? [WEEKDAYS[weekday]!, [`sound:digits/day-${weekday}`]]
          : [`${WEEKDAYS[weekday]} ${wall.getUTCDate()} ${MONTHS[wall.getUTCMonth()]}`, [`sound:digits/day-${weekday}`, `number:${wall.getUTCDate()}`, `sound:digits/mon-${wall.getUTCMonth()}`]];
  const h = wall.getUTCHours();
  const m = wall.getUTCMinutes();
  const minutes = m === 0 ? ["sound:digits/oclock"] : m < 10 ? ["sound:digits/oh", `number:${m}`] : [`number:${m}`];
  return { label: `${day} ${isoTime(wall.getTime())}`, media: [...dayMedia, "sound:digits/at", `number:${h}`, ...minutes] };
}
