import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { FinopsError } from '#shared/errors';
import { type DocumentClientLike, isConditionalCheckFailed } from '#shared/store/dynamo-client';
import { TTL_ATTRIBUTE } from '#shared/store/table-schema';

/** Partition key prefix of effect claims: `EFFECT#<effectKey>` / `EFFECT`. */
export const EFFECT_PREFIX = 'EFFECT#';
const EFFECT_SK = 'EFFECT';

/** What runOnce did: ran the effect now, found it done before (with its stored result), or found it running. */
export type EffectOutcome<T> =
  | { status: 'ran'; result: T }
  | { status: 'already-done'; result: T }
  | { status: 'in-progress' };

/** Options of one runOnce call. */
export interface RunOnceOptions {
  /** How long a claim may stay `in-progress` before another caller may take it over (ms, default the ledger's). */
  leaseMs?: number;
}

/** Dependencies and defaults of the ledger. */
export interface EffectLedgerProps {
  documentClient?: DocumentClientLike;
  /** Alias of `documentClient`. */
  client?: DocumentClientLike;
  tableName: string;
  /** Default lease of an in-progress claim (default 5 minutes). */
  leaseMs?: number;
  /** Done records expire (TTL housekeeping only) after this many days (default 90). */
  retentionDays?: number;
  /** Clock (default the system clock). */
  now?: () => Date;
}

/** Runs side effects (Slack posts, PRs, scaling actions) at most once per key across duplicate deliveries. */
export interface EffectLedger {
  /**
   * Claims `effectKey`, runs `effect`, records its result as JSON (bigints as decimal text, so
   * recording can never fail after the effect happened). A failing effect
   * releases the claim and rethrows, so a retry can run it; a claim older than the lease is re-taken.
   */
  runOnce<T>(
    effectKey: string,
    effect: () => Promise<T>,
    options?: RunOnceOptions,
  ): Promise<EffectOutcome<T>>;
}

/** Thrown when the ledger itself cannot be used (e.g. no client given). */
export class EffectLedgerError extends FinopsError {}

/** Creates the DynamoDB effect-once ledger (conditional put claim, no transactions). */
export function createEffectLedger(props: EffectLedgerProps): EffectLedger {
  const db = props.documentClient ?? props.client;
  if (!db) throw new EffectLedgerError('createEffectLedger needs a documentClient');
  const { tableName } = props;
  const defaultLeaseMs = props.leaseMs ?? 5 * 60_000;
  const retentionSeconds = (props.retentionDays ?? 90) * 86_400;
  const now = props.now ?? (() => new Date());

  async function claim(key: Record<string, string>, token: string, leaseMs: number): Promise<boolean> {
    const at = now().getTime();
    try {
      await db!.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key,
            status: 'in-progress',
            claimToken: token,
            claimedAt: new Date(at).toISOString(),
            leaseExpiresAt: at + leaseMs,
            [TTL_ATTRIBUTE]: Math.floor(at / 1000) + retentionSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :inProgress AND leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'in-progress', ':now': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  return {
    async runOnce<T>(effectKey: string, effect: () => Promise<T>, options: RunOnceOptions = {}) {
      const key = { pk: `${EFFECT_PREFIX}${effectKey}`, sk: EFFECT_SK };
      const token = randomUUID();
      // A lost claim is re-read; if the holder released it meanwhile, claim again (bounded).
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await claim(key, token, options.leaseMs ?? defaultLeaseMs)) {
          let result: T;
          try {
            result = await effect();
          } catch (error) {
            await release(key, token);
            throw error;
          }
          const at = now();
          // Unconditional: the effect happened, even if a slow run lost its lease meanwhile.
          await db.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                ...key,
                status: 'done',
                claimToken: token,
                completedAt: at.toISOString(),
                ...(result === undefined
                  ? {}
                  : {
                      result: JSON.stringify(result, (_key, value) =>
                        typeof value === 'bigint' ? value.toString() : value,
                      ),
                    }),
                [TTL_ATTRIBUTE]: Math.floor(at.getTime() / 1000) + retentionSeconds,
              },
            }),
          );
          return { status: 'ran', result };
        }
        const { Item } = await db.send(
          new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
        if (Item?.status === 'done') {
          const stored = Item.result === undefined ? undefined : JSON.parse(String(Item.result));
          return { status: 'already-done', result: stored as T };
        }
        if (Item) return { status: 'in-progress' };
      }
      return { status: 'in-progress' };
    },
  };

  async function release(key: Record<string, string>, token: string): Promise<void> {
    try {
      await db!.send(
        new DeleteCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: 'claimToken = :token AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': token, ':inProgress': 'in-progress' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
