import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';

describe('embedded DynamoDB engine', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());

  it('stores and reads an item through the real SDK client', async () => {
    await dynamo.documentClient.send(
      new PutCommand({ TableName: dynamo.tableName, Item: { pk: 'a', sk: 'b', v: 1 } }),
    );
    const read = await dynamo.documentClient.send(
      new GetCommand({ TableName: dynamo.tableName, Key: { pk: 'a', sk: 'b' } }),
    );
    expect(read.Item).toEqual({ pk: 'a', sk: 'b', v: 1 });
  });
});
