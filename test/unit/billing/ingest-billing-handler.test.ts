import type { Context } from 'aws-lambda';
import { handler } from '#functions/ingest-billing/handler';

const context = {
  functionName: 'ingest-billing',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ingest-billing',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('ingest-billing handler', () => {
  it('rejects a malformed S3 event with a clear error before touching any AWS service', async () => {
    // Prepare
    const event = { Records: [{ eventSource: 'aws:sqs', body: '{}' }] };
    // Act
    const attempt = handler(event, context);
    // Assess
    await expect(attempt).rejects.toThrow(/not an S3 object-created event/);
  });
});
