import { decimalUnits } from '#shared/billing/parquet-decimal';

/** Big-endian two's complement bytes of `value` in `width` bytes (a Parquet FIXED_LEN_BYTE_ARRAY DECIMAL). */
function bytes(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let rest = value < 0n ? (1n << BigInt(8 * width)) + value : value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(rest & 255n);
    rest >>= 8n;
  }
  return out;
}

describe('decimalUnits', () => {
  const values = [
    0n,
    1n,
    -1n,
    -5n,
    9051792677n,
    -9051792677n,
    2n ** 52n,
    -(2n ** 52n),
    2n ** 53n,
    -(2n ** 60n),
  ];
  it.each([4, 8, 9, 16])(
    'turns %i-byte DECIMAL values into exact 10^-10 units at scales 10, 6 and 0',
    (width) => {
      // Prepare
      const cases = values.filter(
        (v) => width > 8 || (v < 1n << BigInt(8 * width - 1) && v >= -(1n << BigInt(8 * width - 1))),
      );
      for (const scale of [10, 6, 0]) {
        for (const value of cases) {
          // Act
          const units = decimalUnits(bytes(value, width), scale);
          // Assess
          expect(BigInt(units as bigint)).toBe(value * 10n ** BigInt(10 - scale));
        }
      }
    },
  );

  it('reads 10^30 at scale 10 as a bigint when it is beyond 2^53', () => {
    // Act
    const units = decimalUnits(bytes(10n ** 30n, 16), 10);
    // Assess
    expect(units).toBe(10n ** 30n);
  });

  it('treats a null cost as zero and a non-decimal value as undefined', () => {
    // Act / Assess
    expect(decimalUnits(null, 10)).toBe(0);
    expect(decimalUnits('x', 10)).toBeUndefined();
  });
});
