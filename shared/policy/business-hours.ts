import type { Weekday } from '#shared/policy/scaling-policy';

/** A moment as seen on a wall clock in a time zone. */
export interface LocalTime {
  weekday: Weekday;
  /** `HH:MM`, 24 h. */
  time: string;
}

const WEEKDAYS: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/** The weekday and HH:MM of `now` in `timeZone` (IANA name), daylight saving included. */
export function localTime(now: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const weekday = WEEKDAYS[part('weekday')];
  if (!weekday) throw new RangeError(`cannot read the weekday of ${now.toISOString()} in ${timeZone}`);
  return { weekday, time: `${part('hour')}:${part('minute')}` };
}

/** True when `now` falls within the business hours (start inclusive, end exclusive) of one of `days`. */
export function isWithinBusinessHours(
  now: Date,
  hours: { timezone: string; businessHours: { days: Weekday[]; start: string; end: string } },
): boolean {
  const local = localTime(now, hours.timezone);
  const { days, start, end } = hours.businessHours;
  return days.includes(local.weekday) && local.time >= start && local.time < end;
}
