import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** The sha256 of a file's bytes as they stream by (hex; the same digest as `sha256sum`). */
export interface Fingerprint {
  update(chunk: Uint8Array): void;
  digest(): Promise<string>;
  /** Stops the hashing thread, if any (after a digest, or when the read failed). */
  close(): void;
}

/** Bytes handed to the hashing thread at a time (fewer, larger messages). */
const BATCH_BYTES = 1 << 20;

/** Below this many bytes the file is hashed in this thread (a thread costs more than it saves). */
const DEFAULT_THREAD_FROM_BYTES = 16 << 20;

// A few lines of plain JavaScript, evaluated as the worker: no file to bundle next to a Lambda.
const HASHER = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (chunk) => {
  if (chunk === null) parentPort.postMessage(hash.digest('hex'));
  else hash.update(new Uint8Array(chunk));
});`;

/**
 * A streaming sha256 that moves to a worker thread once the file passes `threadFromBytes`
 * (default 16 MiB), so that on two or more cores hashing (about 0.2 s per 400 MB) overlaps the
 * parsing instead of adding to it. Bytes are copied into 1 MiB batches whose buffers are then
 * transferred, not cloned; a smaller file is hashed in this thread when its digest is asked.
 */
export function createFingerprint(options: { threadFromBytes?: number } = {}): Fingerprint {
  const threadFrom = options.threadFromBytes ?? DEFAULT_THREAD_FROM_BYTES;
  /** Full batches not yet handed to a worker (until the file proves large enough for one). */
  const held: ArrayBuffer[] = [];
  let heldBytes = 0;
  let worker: Worker | undefined;
  let failure: Error | undefined;
  let batch = new Uint8Array(BATCH_BYTES);
  let filled = 0;

  const send = (buffer: ArrayBuffer) => {
    if (worker === undefined) {
      held.push(buffer);
      heldBytes += buffer.byteLength;
      if (heldBytes < threadFrom) return;
      worker = new Worker(HASHER, { eval: true });
      worker.unref();
      worker.on('error', (error) => {
        failure = error;
      });
      for (const early of held.splice(0)) worker.postMessage(early, [early]);
      return;
    }
    worker.postMessage(buffer, [buffer]);
  };
  const flush = () => {
    if (filled === 0) return;
    // A partial last batch is cut to its bytes (a copy); full batches move without one.
    send(filled === BATCH_BYTES ? batch.buffer : batch.buffer.slice(0, filled));
    batch = new Uint8Array(BATCH_BYTES);
    filled = 0;
  };

  return {
    update(chunk) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(chunk.length - at, BATCH_BYTES - filled);
        batch.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === BATCH_BYTES) flush();
      }
    },
    close() {
      if (worker !== undefined) void worker.terminate();
    },
    async digest() {
      flush();
      const thread = worker;
      if (thread === undefined) {
        const hash = createHash('sha256');
        for (const buffer of held) hash.update(new Uint8Array(buffer));
        return hash.digest('hex');
      }
      if (failure) throw failure;
      return new Promise<string>((resolve, reject) => {
        thread.once('message', (hex: string) => {
          void thread.terminate();
          resolve(hex);
        });
        thread.once('error', reject);
        thread.postMessage(null);
      });
    },
  };
}
