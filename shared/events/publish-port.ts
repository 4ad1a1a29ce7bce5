import type * as z from 'zod';
import type { EventContract } from '#events/contract';

/** One event to publish: its contract and a detail the contract's schema accepts. */
export interface OutgoingEvent<Schema extends z.ZodType = z.ZodType> {
  contract: EventContract<Schema>;
  detail: z.input<Schema>;
}

/** Builds an OutgoingEvent with the detail type-checked against the contract. */
export function outgoing<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  detail: z.input<Schema>,
): OutgoingEvent {
  return { contract, detail } as OutgoingEvent;
}

/**
 * Publishes events: validates every detail, then delivers all of them or throws with the ones
 * that failed. Implemented over EventBridge PutEvents (shared/events/eventbridge-publisher.ts);
 * tests may pass a recording fake.
 */
export type PublishEvents = (events: readonly OutgoingEvent[]) => Promise<void>;
