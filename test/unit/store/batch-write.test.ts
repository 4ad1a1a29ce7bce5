import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchWriteError, batchWriteAll, type WriteRequest } from '#shared/store/batch-write';

const TABLE = 'finops';
const put = (pk: string, sk: string, value = 1): WriteRequest => ({
  PutRequest: { Item: { pk, sk, value } },
});
const noSleep = async () => {};

function documentClient() {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return { client, mock: mockClient(client) };
}

describe('batchWriteAll', () => {
  it('splits into batches of 25 when given 60 requests', async () => {
    // Prepare
    const { client, mock } = documentClient();
    mock.on(BatchWriteCommand).resolves({});
    const requests = Array.from({ length: 60 }, (_, i) => put('p', `s${i}`));
    // Act
    const written = await batchWriteAll(client, TABLE, requests, { sleep: noSleep });
    // Assess
    const sizes = mock
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes.sort()).toEqual([10, 25, 25]);
    expect(written).toBe(60);
  });

  it('keeps only the last request per key when a key repeats', async () => {
    // Prepare
    const { client, mock } = documentClient();
    mock.on(BatchWriteCommand).resolves({});
    // Act
    await batchWriteAll(client, TABLE, [put('p', 'a', 1), put('p', 'b', 1), put('p', 'a', 2)], {
      sleep: noSleep,
    });
    // Assess
    const sent = mock.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.[TABLE];
    expect(sent).toEqual([put('p', 'b', 1), put('p', 'a', 2)]);
  });

  it('retries UnprocessedItems with growing delays when the service returns them', async () => {
    // Prepare
    const { client, mock } = documentClient();
    const requests = [put('p', 'a'), put('p', 'b'), put('p', 'c')];
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put('p', 'b'), put('p', 'c')] as never } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put('p', 'c')] as never } })
      .resolves({});
    const delays: number[] = [];
    // Act
    await batchWriteAll(client, TABLE, requests, {
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.999,
      baseDelayMs: 100,
    });
    // Assess
    const calls = mock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.length);
    expect(calls).toEqual([3, 2, 1]);
    expect(delays).toEqual([199, 399]);
  });

  it('throws BatchWriteError with the failed requests when retries are exhausted', async () => {
    // Prepare
    const { client, mock } = documentClient();
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [put('p', 'b')] as never } });
    // Act
    const outcome = batchWriteAll(client, TABLE, [put('p', 'a'), put('p', 'b')], {
      sleep: noSleep,
      maxAttempts: 3,
    });
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BatchWriteError);
    await expect(outcome).rejects.toMatchObject({ failed: [put('p', 'b')] });
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('keeps at most the configured number of batches in flight when writing many', async () => {
    // Prepare
    const { client, mock } = documentClient();
    let inFlight = 0;
    let peak = 0;
    mock.on(BatchWriteCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return {};
    });
    const requests = Array.from({ length: 250 }, (_, i) => put('p', `s${i}`));
    // Act
    await batchWriteAll(client, TABLE, requests, { concurrency: 3 });
    // Assess
    expect(peak).toBe(3);
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(10);
  });
});
