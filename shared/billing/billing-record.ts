import type { IsoDay } from '#shared/cost/cost-point';
import { parseMoney } from '#shared/money';

/**
 * One billing row normalised to the FOCUS vocabulary, whatever the export format. The mapper
 * fills one reused instance per row (no allocation on the hot path); empty text means "not set".
 */
export interface CostRecord {
  /** Usage day of ChargePeriodStart (or the CUR usage start) in UTC. */
  day: IsoDay;
  currency: string;
  /** The configured cost in 10^-10 units: an exact integer-valued number, or a bigint when beyond 2^53. */
  cost: number | bigint;
  service: string;
  account: string;
  region: string;
  chargeCategory: string;
  chargeClass: string;
  /** ResourceName, else ResourceId (FOCUS); line_item_resource_id (CUR). */
  resource: string;
  /** CUR usage type; FOCUS ChargeDescription, else SkuId. */
  usageType: string;
  /** Values of the allow-listed tag keys, by allow-list position ('' when the row lacks the tag). */
  tagValues: string[];
}

/** A fresh, empty record for a mapper to fill. */
export function emptyCostRecord(tagKeyCount: number): CostRecord {
  return {
    day: '',
    currency: '',
    cost: 0,
    service: '',
    account: '',
    region: '',
    chargeCategory: '',
    chargeClass: '',
    resource: '',
    usageType: '',
    tagValues: new Array<string>(tagKeyCount).fill(''),
  };
}

/**
 * A copy of `text` that does not reference the chunk it was sliced from. V8 substrings point
 * into their parent string, so keeping a 20-byte id in a long-lived Map would otherwise pin the
 * whole 1 MB chunk it came from; everything an aggregate keeps goes through here.
 */
export function detach(text: string): string {
  return text.length === 0 ? '' : ` ${text}`.slice(1);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

const PLAIN_DECIMAL = /^[+-]?\d+(?:\.\d*)?$|^[+-]?\.\d+$/;

/**
 * Parses a decimal cost into 10^-10 units. Plain decimals of up to 15 significant digits at that
 * scale become an exact integer-valued number (fast path, no bigint); anything else goes through
 * parseMoney (exponents, more than 10 decimals rounded half away from zero, huge values).
 * Returns undefined when the text is not a number.
 */
export function parseCostUnits(text: string): number | bigint | undefined {
  // Fast path without allocation: [-]digits[.digits], at most 15 significant digits at 10^-10.
  const n = text.length;
  if (n > 0 && n <= 17) {
    let at = 0;
    let negative = false;
    if (text.charCodeAt(0) === 45) {
      negative = true;
      at = 1;
    }
    let units = 0;
    let digits = 0;
    let fraction = -1;
    let ok = at < n;
    for (; at < n; at++) {
      const c = text.charCodeAt(at);
      if (c >= 48 && c <= 57) {
        units = units * 10 + (c - 48);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === 46 && fraction < 0) {
        fraction = 0;
      } else {
        ok = false;
        break;
      }
    }
    const scale = Math.max(fraction, 0);
    if (ok && digits > 0 && scale <= 10 && digits - scale + 10 <= 15) {
      // units < 10^15 after scaling: every step is exact in a double.
      const value = units * POW10[10 - scale]!;
      return value === 0 ? 0 : negative ? -value : value;
    }
  }
  if (PLAIN_DECIMAL.test(text)) {
    const dot = text.indexOf('.');
    const frac = dot < 0 ? '' : text.slice(dot + 1);
    if (frac.length <= 10) {
      const whole = dot < 0 ? text : text.slice(0, dot);
      const digits = `${whole}${frac.padEnd(10, '0')}`;
      // 15 digits (plus a sign) always fit a double exactly.
      if (digits.length <= 15 || (digits.length === 16 && (digits[0] === '-' || digits[0] === '+'))) {
        const value = Number(digits);
        return value === 0 ? 0 : value;
      }
    }
  }
  try {
    const exact = parseMoney(text);
    return exact >= -9007199254740991n && exact <= 9007199254740991n ? Number(exact) : exact;
  } catch {
    return undefined;
  }
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/;
const validDays = new Map<string, boolean>();

/**
 * The UTC day of a timestamp: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (FOCUS 1.0 samples, read as
 * UTC), RFC 3339 with `Z` or an offset, optional fractional seconds. Undefined when unparseable.
 */
export function parseUsageDay(text: string): IsoDay | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const day = text.slice(0, 10);
  let valid = validDays.get(day);
  if (valid === undefined) {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(y, m - 1, d));
    valid = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
    if (validDays.size > 100_000) validDays.clear();
    validDays.set(detach(day), valid);
  }
  if (!valid) return undefined;
  const hours = match[4] === undefined ? 0 : Number(match[4]);
  const minutes = match[5] === undefined ? 0 : Number(match[5]);
  if (hours > 23 || minutes > 59 || (match[6] !== undefined && Number(match[6]) > 60)) return undefined;
  const zone = match[7];
  if (zone === undefined || zone === 'Z' || zone === 'UTC' || /^[+-]00:?00$/.test(zone)) return day;
  const sign = zone[0] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const utc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hours, minutes);
  return new Date(utc - offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** Lower-case alphanumerics only: how tag keys are compared across formats (`user:cost-center` ~ `cost_center`). */
export function normaliseTagKey(key: string): string {
  return key
    .replace(/^(user|resourceTags\/user)[:_]/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
