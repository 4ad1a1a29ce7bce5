import type { DocumentClientLike } from '#shared/store/dynamo-client';

/** A command as the wrapper sees it: its class name (e.g. `BatchWriteCommand`) and input. */
export interface SeenCommand {
  name: string;
  input: Record<string, unknown>;
}

/**
 * Wraps the real SDK DocumentClient's `send` so a test can observe or alter each call
 * (fault injection at the transport boundary, not a mock of our modules).
 */
export function interceptSend(
  inner: DocumentClientLike,
  intercept: (command: SeenCommand, forward: (command?: unknown) => Promise<unknown>) => Promise<unknown>,
): DocumentClientLike {
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }) =>
    intercept({ name: command.constructor.name, input: command.input }, (replacement) =>
      inner.send((replacement ?? command) as never),
    );
  return { send } as unknown as DocumentClientLike;
}

/** Records every command name sent through the client. */
export function recordCommands(inner: DocumentClientLike): { client: DocumentClientLike; names: string[] } {
  const names: string[] = [];
  const client = interceptSend(inner, (command, forward) => {
    names.push(command.name);
    return forward();
  });
  return { client, names };
}

/** Throws a simulated crash on the `crashAt`-th call (1-based) and every later one. */
export function crashAfter(inner: DocumentClientLike, crashAt: number): DocumentClientLike {
  let calls = 0;
  return interceptSend(inner, (_command, forward) => {
    calls++;
    if (calls >= crashAt) return Promise.reject(new Error(`simulated crash at call ${calls}`));
    return forward();
  });
}
