import { readCostExplorerConfig } from '#shared/billing/cost-explorer/cost-explorer-config';
import { ConfigError } from '#shared/errors';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:ingest-cost-explorer';

describe('Cost Explorer config', () => {
  it('takes the account from the function ARN and documented defaults when nothing is set', () => {
    expect(readCostExplorerConfig({}, { invokedFunctionArn: ARN })).toEqual({
      account: '123456789012',
      metric: 'UnblendedCost',
      tagKeys: ['cost-center'],
      lookbackDays: 30,
    });
  });

  it('uses the variables when they are set', () => {
    const env = {
      COST_EXPLORER_ACCOUNT_ID: '999999999999',
      COST_EXPLORER_METRIC: 'AmortizedCost',
      COST_EXPLORER_TAG_KEYS: 'team, cost-center',
      COST_EXPLORER_LOOKBACK_DAYS: '7',
    };
    expect(readCostExplorerConfig(env, { invokedFunctionArn: ARN })).toEqual({
      account: '999999999999',
      metric: 'AmortizedCost',
      tagKeys: ['team', 'cost-center'],
      lookbackDays: 7,
    });
  });

  it.each([
    [{ COST_EXPLORER_METRIC: 'UsageQuantity' }, 'COST_EXPLORER_METRIC must be one of'],
    [{ COST_EXPLORER_LOOKBACK_DAYS: '0' }, 'COST_EXPLORER_LOOKBACK_DAYS must be an integer 1..365, got "0"'],
    [{ COST_EXPLORER_ACCOUNT_ID: 'a b' }, 'COST_EXPLORER_ACCOUNT_ID must be an account id'],
  ])('fails naming the variable when given %p', (env, message) => {
    expect(() => readCostExplorerConfig(env, { invokedFunctionArn: ARN })).toThrow(message);
  });

  it('fails with ConfigError when no account can be found', () => {
    expect(() => readCostExplorerConfig({})).toThrow(ConfigError);
  });
});
