import { readFileSync } from 'node:fs';
import { ConfigError } from '#shared/errors';
import type { SdkSender } from '#shared/idle/sagemaker-endpoint-source';

/** One recorded SDK call: the command class name, the input fields that select it, and the response. */
export interface RecordedCall {
  command: string;
  input?: Record<string, unknown>;
  output: Record<string, unknown>;
}

/** A call the recording has no answer for. */
export class RecordingMissError extends ConfigError {}

function matches(expected: Record<string, unknown> | undefined, actual: Record<string, unknown>): boolean {
  if (!expected) return true;
  return Object.entries(expected).every(
    ([key, value]) => JSON.stringify(actual[key]) === JSON.stringify(value),
  );
}

/**
 * An SDK client `send` that replays recorded responses (the local runtime's transport for
 * SageMaker, CloudWatch and Application Auto Scaling, which have no local engine): the first
 * recorded call of the same command whose `input` fields equal the request's answers it.
 */
export function createRecordedSdkClient(calls: readonly RecordedCall[], source = 'recording'): SdkSender {
  return {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      const call = calls.find(
        (candidate) => candidate.command === name && matches(candidate.input, command.input),
      );
      if (!call)
        throw new RecordingMissError(
          `${source} has no ${name} response for ${JSON.stringify(command.input)}`,
        );
      return rebaseTimestamps(structuredClone(call.output), command.input.EndTime);
    },
  };
}

const RELATIVE_HOURS = /^-(\d{1,4})h$/;

/**
 * Recorded metric timestamps written as `-<n>h` are rebased to `n` hours before the request's
 * `EndTime`, so a recording keeps describing "the last hours" whenever it is replayed.
 */
function rebaseTimestamps<T>(output: T, endTime: unknown): T {
  const end = endTime instanceof Date ? endTime.getTime() : undefined;
  if (end === undefined) return output;
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const match = RELATIVE_HOURS.exec(value);
      return match ? new Date(end - Number(match[1]) * 3_600_000).toISOString() : value;
    }
    if (Array.isArray(value)) return value.map(visit);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, visit(inner)]));
    }
    return value;
  };
  return visit(output) as T;
}

/** Reads a recording file (`{ "calls": RecordedCall[] }`), failing with the file name. */
export function loadRecording(filePath: string): RecordedCall[] {
  try {
    const parsed = JSON.parse(readFileSync(filePath, 'utf8')) as { calls?: RecordedCall[] };
    if (!Array.isArray(parsed.calls)) throw new Error('expected an object with a "calls" array');
    return parsed.calls;
  } catch (error) {
    throw new ConfigError(
      `SAGEMAKER_RECORDING ${JSON.stringify(filePath)} is not a readable recording: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
