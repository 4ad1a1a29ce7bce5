/**
 * Exact money. An amount is a bigint count of 10^-10 currency units (the scale of DuckDB's
 * DECIMAL(38,10), our reference), so sums of any number of rows are exact and never touch a
 * binary float. Currencies are carried beside the amount, never mixed inside one.
 */
export type Money = bigint;

/** Digits after the decimal point that an amount keeps (10^-10 units). */
export const MONEY_SCALE = 10;
const SCALE_FACTOR = 10n ** BigInt(MONEY_SCALE);
const DECIMAL_PATTERN = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Thrown when a text is not a decimal amount; `input` is the offending text. */
export class MoneyParseError extends Error {
  constructor(readonly input: string) {
    super(`not a decimal amount: ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`);
    this.name = 'MoneyParseError';
  }
}

export const ZERO: Money = 0n;

/**
 * Parses a decimal string (`-0.0001234`, `12`, `1.5E-7`) into an exact amount. Digits beyond
 * the 10th decimal are rounded half away from zero, as DuckDB's CAST(... AS DECIMAL(38,10)) does.
 */
export function parseMoney(text: string): Money {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) throw new MoneyParseError(text);
  const [, sign, intDigits = '', fracDigits = '', exponentText] = match;
  if (intDigits === '' && fracDigits === '') throw new MoneyParseError(text);
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 60) throw new MoneyParseError(text);
  // value = digits × 10^(exponent - fracLen); we want value × 10^SCALE.
  const digits = BigInt(`${intDigits}${fracDigits}` || '0');
  const shift = exponent - fracDigits.length + MONEY_SCALE;
  let scaled: bigint;
  if (shift >= 0) {
    scaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    scaled = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) scaled += 1n;
  }
  return sign === '-' ? -scaled : scaled;
}

/** Sum of amounts, exact. */
export function sumMoney(amounts: Iterable<Money>): Money {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
}

/** Canonical decimal text with all 10 decimals trimmed of trailing zeros (`-1.5`, `0`, `0.0000000001`). */
export function formatMoney(amount: Money): string {
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const whole = magnitude / SCALE_FACTOR;
  const fraction = (magnitude % SCALE_FACTOR).toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  const text = fraction === '' ? whole.toString() : `${whole}.${fraction}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** Rounds half away from zero to `decimals` places (0..10) and returns fixed-point text, for display. */
export function formatMoneyFixed(amount: Money, decimals = 2): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MONEY_SCALE) {
    throw new RangeError(`decimals must be 0..${MONEY_SCALE}, got ${decimals}`);
  }
  const unit = 10n ** BigInt(MONEY_SCALE - decimals);
  const magnitude = amount < 0n ? -amount : amount;
  let rounded = magnitude / unit;
  if ((magnitude % unit) * 2n >= unit) rounded += 1n;
  const text = rounded.toString().padStart(decimals + 1, '0');
  const body = decimals === 0 ? text : `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
  return amount < 0n && rounded !== 0n ? `-${body}` : body;
}

/** Human display with currency code, rounded to cents: `USD 1,234.57`. */
export function formatCurrency(amount: Money, currency: string): string {
  const fixed = formatMoneyFixed(amount, 2);
  const [whole = '0', cents = '00'] = fixed.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${amount < 0n && fixed !== '0.00' ? '-' : ''}${currency} ${grouped}.${cents}`;
}

/**
 * Lossy conversion for statistics only (baselines, scores). Never sum the results: add Money,
 * then convert once.
 */
export function moneyToNumber(amount: Money): number {
  const whole = amount / SCALE_FACTOR;
  const fraction = amount % SCALE_FACTOR;
  return Number(whole) + Number(fraction) / Number(SCALE_FACTOR);
}

/** Converts a statistic back to money (rounded to the 10th decimal), e.g. an expected value. */
export function numberToMoney(value: number): Money {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  return parseMoney(value.toFixed(MONEY_SCALE));
}
