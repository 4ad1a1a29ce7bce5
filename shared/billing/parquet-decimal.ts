/**
 * Parquet DECIMAL values (INT32, INT64 or big-endian two's complement bytes, scale ≤ 10) as exact
 * 10^-10 units or as decimal text, never through a binary float. Shared by both Parquet readers.
 */

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const TWO_32 = 2 ** 32;
const MAX_SAFE = 9007199254740991n;

function normalise(exact: bigint): number | bigint {
  return exact >= -MAX_SAFE && exact <= MAX_SAFE ? Number(exact) : exact;
}

/**
 * The DECIMAL in `bytes[offset, offset + width)` as exact 10^-10 units: a number while below 2^53
 * (read from the low bytes without a bigint when the high bytes are only sign), a bigint beyond.
 */
export function fixedDecimalUnits(
  bytes: Uint8Array,
  offset: number,
  width: number,
  scale: number,
): number | bigint {
  const factor = POW10[10 - scale]!;
  const end = offset + width;
  const negative = width > 0 && (bytes[offset]! & 0x80) !== 0;
  const fill = negative ? 0xff : 0;
  let fits = true;
  for (let i = offset; i < end - 7; i++) {
    if (bytes[i] !== fill) {
      fits = false;
      break;
    }
  }
  if (fits) {
    // Negative values are read as their one's complement (small), then negated: -(~v + 1).
    let high = 0;
    let low = 0;
    for (let i = Math.max(offset, end - 7); i < end - 4; i++) high = high * 256 + (bytes[i]! ^ fill);
    for (let i = Math.max(offset, end - 4); i < end; i++) low = low * 256 + (bytes[i]! ^ fill);
    const magnitude = high * TWO_32 + low;
    const units = (negative ? -(magnitude + 1) : magnitude) * factor;
    if (Number.isSafeInteger(units)) return units === 0 ? 0 : units;
  }
  return normalise(bytesToBigInt(bytes.subarray(offset, end)) * BigInt(factor));
}

/** A DECIMAL value as hyparquet hands it (bytes, number or bigint) in 10^-10 units; null is 0, anything else undefined. */
export function decimalUnits(value: unknown, scale: number): number | bigint | undefined {
  if (value === null || value === undefined) return 0;
  const factor = POW10[10 - scale]!;
  if (value instanceof Uint8Array) return fixedDecimalUnits(value, 0, value.length, scale);
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    const units = value * factor;
    return Number.isSafeInteger(units) ? units : BigInt(value) * BigInt(factor);
  }
  if (typeof value === 'bigint') return normalise(value * BigInt(factor));
  return undefined;
}

/** A DECIMAL's unscaled integer (INT32, INT64 or big-endian two's complement bytes) as decimal text. */
export function unscaledToDecimal(value: unknown, scale: number): string {
  let unscaled: bigint;
  if (typeof value === 'bigint') unscaled = value;
  else if (typeof value === 'number') unscaled = BigInt(value);
  else if (value instanceof Uint8Array) unscaled = bytesToBigInt(value);
  else return String(value);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Big-endian two's complement bytes → bigint; 16-byte DECIMAL(38,x) values take the 8-byte fast path when they fit. */
function bytesToBigInt(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n === 16) {
    const high = view.getBigInt64(0);
    const low = view.getBigUint64(8);
    if (high === 0n && low < 0x8000000000000000n) return low;
    if (high === -1n && low >= 0x8000000000000000n) return view.getBigInt64(8);
    return (high << 64n) | low;
  }
  let value = 0n;
  for (let i = 0; i < n; i++) value = (value << 8n) | BigInt(bytes[i]!);
  if (n > 0 && (bytes[0]! & 0x80) !== 0) value -= 1n << BigInt(n * 8);
  return value;
}
