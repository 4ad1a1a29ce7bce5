import { InvalidInputError } from '#shared/errors';

/** Thrown when a Kubernetes resource quantity (`250m`, `8Gi`, `1e3`) cannot be read. */
export class QuantityParseError extends InvalidInputError {}

const QUANTITY_PATTERN =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|n|u)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** Bytes in one mebibyte / gibibyte. */
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

/** Parses a Kubernetes quantity (text or YAML number) into its base unit: cores for CPU, bytes for memory. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new QuantityParseError(`not a resource quantity: ${value}`);
    return value;
  }
  const match = QUANTITY_PATTERN.exec(value.trim());
  if (!match) throw new QuantityParseError(`not a resource quantity: ${JSON.stringify(value)}`);
  const [, numberText = '', suffix = ''] = match;
  const result = Number(numberText) * (SUFFIX_FACTOR[suffix] ?? Number.NaN);
  if (!Number.isFinite(result) || result < 0) {
    throw new QuantityParseError(`not a resource quantity: ${JSON.stringify(value)}`);
  }
  return result;
}

/** CPU cores as quantity text: whole cores as `2`, otherwise millicores `600m` (rounded up to 1m). */
export function formatCpu(cores: number): string {
  const millis = Math.ceil(cores * 1000 - 1e-9);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Bytes as quantity text: whole GiB as `3Gi`, otherwise whole MiB `2592Mi` (rounded up). */
export function formatMemory(bytes: number): string {
  const mib = Math.ceil(bytes / MIB - 1e-9);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** Rounds cores up to a multiple of `stepMillicores` millicores. */
export function roundCpuUp(cores: number, stepMillicores: number): number {
  return (Math.ceil((cores * 1000) / stepMillicores - 1e-9) * stepMillicores) / 1000;
}

/** Rounds bytes up to a multiple of `stepMib` MiB. */
export function roundMemoryUp(bytes: number, stepMib: number): number {
  return Math.ceil(bytes / (stepMib * MIB) - 1e-9) * stepMib * MIB;
}
