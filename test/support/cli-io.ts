import { PassThrough } from 'node:stream';
import { main } from '#infra/local/cli';

/** A writable stream that keeps what is written, for asserting on CLI output. */
export function captureStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream, text: () => text };
}

/** Runs `finops <args>` in process in `cwd`, as the bin does, and returns its exit code and output. */
export async function runFinops(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureStream();
  const err = captureStream();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, cwd });
  return { code, stdout: out.text(), stderr: err.text() };
}
