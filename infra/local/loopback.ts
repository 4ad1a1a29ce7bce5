import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on 127.0.0.1 on a free port and resolves to its base URL
 * (`http://127.0.0.1:<port>`). Local engines never listen beyond loopback. The listening socket is
 * unref'd: an engine lives as long as the work that awaits it, so one leaked by a failed test or an
 * aborted command cannot keep the process (or jest, which runs in band on 2 cores) alive.
 */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Stops accepting connections, drops idle keep-alive ones, and resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
