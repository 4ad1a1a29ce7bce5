import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RightsizingRecommended } from '#events/rightsizing-recommended';
import type { IsoDay } from '#shared/cost/cost-point';
import { FinopsError } from '#shared/errors';
import { type ContainerUsageDay, type WorkloadKey, workloadPath } from '#shared/k8s/container-usage';
import type { DocumentClientLike } from '#shared/store/dynamo-client';
import { TableKey } from '#shared/store/table-schema';

/** Writes that DynamoDB kept refusing (UnprocessedItems) after every retry. */
export class K8sStoreWriteError extends FinopsError {}

/** A workload seen in OpenCost data, with the last day it was seen. */
export interface WorkloadSummary {
  workload: WorkloadKey;
  lastDay: IsoDay;
  costCenter?: string;
}

/** A pull request as recorded by the local git backend (and mirrored for GitHub). */
export interface PullRequestRecord {
  repository: string;
  branch: string;
  number: number;
  url: string;
  state: 'open' | 'closed' | 'merged';
  title: string;
  body: string;
  headSha: string;
  recommendationId: string;
  createdAt: string;
  updatedAt: string;
}

/** Where workload usage, recommendations and PR records live (the port the use cases receive). */
export interface K8sStore {
  putUsage(records: readonly ContainerUsageDay[]): Promise<number>;
  listWorkloads(cluster: string): Promise<WorkloadSummary[]>;
  listClusters(): Promise<string[]>;
  /** A workload's container-days with `from <= day <= to`, ordered by day then container. */
  readWorkloadUsage(workload: WorkloadKey, range: { from: IsoDay; to: IsoDay }): Promise<ContainerUsageDay[]>;
  putRecommendation(recommendation: RightsizingRecommended): Promise<void>;
  getRecommendation(recommendationId: string): Promise<RightsizingRecommended | undefined>;
  /** The latest recommendation of every workload of a namespace (for PRs grouped per namespace). */
  listLatestRecommendations(cluster: string, namespace: string): Promise<RightsizingRecommended[]>;
  getPullRequest(repository: string, branch: string): Promise<PullRequestRecord | undefined>;
  /** Creates the record unless one exists for the branch (then returns the existing one). */
  createPullRequest(
    record: Omit<PullRequestRecord, 'number' | 'url'>,
    url: (number: number) => string,
  ): Promise<{ record: PullRequestRecord; created: boolean }>;
  updatePullRequest(record: PullRequestRecord): Promise<void>;
  listPullRequests(repository: string): Promise<PullRequestRecord[]>;
}

/** Table and client of the DynamoDB K8s store. */
export interface DynamoK8sStoreProps {
  documentClient: DocumentClientLike;
  tableName: string;
  maxBatchAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const usagePk = (workload: WorkloadKey) => `K8S#${workload.cluster}#${workloadPath(workload)}`;
const usageSk = (day: IsoDay, container: string) => `DAY#${day}#${container}`;
const indexPk = (cluster: string) => `K8SIDX#${cluster}`;
const CLUSTERS_PK = 'K8SIDX';
const recPk = (id: string) => `REC#${id}`;
const latestRecPk = (cluster: string, namespace: string) => `RECNS#${cluster}#${namespace}`;
const prPk = (repository: string) => `PR#${repository}`;
const prSk = (branch: string) => `BRANCH#${branch}`;

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** DynamoDB implementation of the K8s store over the single table (pk prefixes `K8S#`, `K8SIDX#`, `REC#`, `PR#`). */
export function createDynamoK8sStore(props: DynamoK8sStoreProps): K8sStore {
  const { documentClient: db, tableName } = props;
  const maxAttempts = props.maxBatchAttempts ?? 6;
  const sleep = props.sleep ?? delay;

  async function batchPut(items: Record<string, unknown>[]): Promise<void> {
    for (let start = 0; start < items.length; start += 25) {
      let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > maxAttempts) {
          throw new K8sStoreWriteError(
            `${pending.length} K8s store items still unprocessed after ${maxAttempts} attempts`,
          );
        }
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        if (pending.length > 0) await sleep(50 * 2 ** attempt);
      }
    }
  }

  async function queryAll(
    input: ConstructorParameters<typeof QueryCommand>[0],
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return items;
  }

  return {
    async putUsage(records) {
      const items: Record<string, unknown>[] = records.map((record) => ({
        [TableKey.partition]: usagePk(record.workload),
        [TableKey.sort]: usageSk(record.day, record.container),
        type: 'k8s-usage',
        usage: stripUndefined(record),
      }));
      // One index item per workload (last day seen), one per cluster: listing never Scans.
      const latest = new Map<string, WorkloadSummary>();
      for (const record of records) {
        const key = `${record.workload.cluster}\u0000${workloadPath(record.workload)}`;
        const seen = latest.get(key);
        if (!seen || seen.lastDay < record.day) {
          latest.set(
            key,
            stripUndefined({ workload: record.workload, lastDay: record.day, costCenter: record.costCenter }),
          );
        }
      }
      for (const summary of latest.values()) {
        items.push({
          [TableKey.partition]: indexPk(summary.workload.cluster),
          [TableKey.sort]: workloadPath(summary.workload),
          type: 'k8s-workload',
          summary,
        });
      }
      for (const cluster of new Set(records.map((record) => record.workload.cluster))) {
        items.push({ [TableKey.partition]: CLUSTERS_PK, [TableKey.sort]: cluster, type: 'k8s-cluster' });
      }
      await batchPut(items);
      return records.length;
    },

    async listWorkloads(cluster) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TableKey.partition },
        ExpressionAttributeValues: { ':pk': indexPk(cluster) },
      });
      return items.map((item) => item.summary as WorkloadSummary);
    },

    async listClusters() {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TableKey.partition },
        ExpressionAttributeValues: { ':pk': CLUSTERS_PK },
      });
      return items.map((item) => String(item[TableKey.sort]));
    },

    async readWorkloadUsage(workload, range) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort },
        ExpressionAttributeValues: {
          ':pk': usagePk(workload),
          ':from': `DAY#${range.from}#`,
          ':to': `DAY#${range.to}#\uffff`,
        },
      });
      return items.map((item) => item.usage as ContainerUsageDay);
    },

    async putRecommendation(recommendation) {
      const w = recommendation.workload;
      await batchPut([
        {
          [TableKey.partition]: recPk(recommendation.recommendationId),
          [TableKey.sort]: 'REC',
          type: 'rightsizing-recommendation',
          recommendation: stripUndefined(recommendation),
        },
        {
          [TableKey.partition]: latestRecPk(w.cluster, w.namespace),
          [TableKey.sort]: `${w.kind}/${w.name}`,
          type: 'rightsizing-latest',
          recommendation: stripUndefined(recommendation),
        },
      ]);
    },

    async listLatestRecommendations(cluster, namespace) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TableKey.partition },
        ExpressionAttributeValues: { ':pk': latestRecPk(cluster, namespace) },
      });
      return items.map((item) => item.recommendation as RightsizingRecommended);
    },

    async getRecommendation(recommendationId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: { [TableKey.partition]: recPk(recommendationId), [TableKey.sort]: 'REC' },
        }),
      );
      return result.Item?.recommendation as RightsizingRecommended | undefined;
    },

    async getPullRequest(repository, branch) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: { [TableKey.partition]: prPk(repository), [TableKey.sort]: prSk(branch) },
        }),
      );
      return result.Item?.pr as PullRequestRecord | undefined;
    },

    async createPullRequest(draft, url) {
      const existing = await this.getPullRequest(draft.repository, draft.branch);
      if (existing) return { record: existing, created: false };
      const counter = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [TableKey.partition]: prPk(draft.repository), [TableKey.sort]: 'COUNTER' },
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'lastNumber' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const number = Number(counter.Attributes?.lastNumber);
      const record: PullRequestRecord = { ...draft, number, url: url(number) };
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [TableKey.partition]: prPk(draft.repository),
              [TableKey.sort]: prSk(draft.branch),
              type: 'pull-request',
              pr: record,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        const winner = await this.getPullRequest(draft.repository, draft.branch);
        if (!winner) throw error;
        return { record: winner, created: false };
      }
      return { record, created: true };
    },

    async updatePullRequest(record) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            [TableKey.partition]: prPk(record.repository),
            [TableKey.sort]: prSk(record.branch),
            type: 'pull-request',
            pr: record,
          },
        }),
      );
    },

    async listPullRequests(repository) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort },
        ExpressionAttributeValues: { ':pk': prPk(repository), ':prefix': 'BRANCH#' },
      });
      return items.map((item) => item.pr as PullRequestRecord);
    },
  };
}
