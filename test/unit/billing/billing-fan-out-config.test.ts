import {
  DEFAULT_FAN_OUT_THRESHOLD_BYTES,
  readBillingFanOutConfig,
} from '#shared/billing/billing-fan-out-config';
import { ConfigError } from '#shared/errors';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:BillingFanOutStateMachine0A1B2C3D-x_y';

describe('readBillingFanOutConfig', () => {
  it('returns undefined (everything inline) when BILLING_FAN_OUT_STATE_MACHINE_ARN is unset', () => {
    // Prepare
    const env = { BILLING_FAN_OUT_THRESHOLD_BYTES: '1048576' };
    // Act
    const config = readBillingFanOutConfig(env);
    // Assess
    expect(config).toBeUndefined();
  });

  it('defaults the threshold to 2 GiB when only the ARN is set', () => {
    // Prepare
    const env = { BILLING_FAN_OUT_STATE_MACHINE_ARN: ARN };
    // Act
    const config = readBillingFanOutConfig(env);
    // Assess
    expect(config).toEqual({ stateMachineArn: ARN, thresholdBytes: 2147483648 });
    expect(DEFAULT_FAN_OUT_THRESHOLD_BYTES).toBe(2147483648);
  });

  it('reads the threshold when it is an integer of at least 1 MiB', () => {
    // Prepare
    const env = { BILLING_FAN_OUT_STATE_MACHINE_ARN: ARN, BILLING_FAN_OUT_THRESHOLD_BYTES: '1048576' };
    // Act
    const config = readBillingFanOutConfig(env);
    // Assess
    expect(config?.thresholdBytes).toBe(1048576);
  });

  it.each(['1048575', '2147483648.5', 'two-gigs', '-1'])(
    'refuses BILLING_FAN_OUT_THRESHOLD_BYTES naming it when it is %s',
    (value) => {
      // Prepare
      const env = { BILLING_FAN_OUT_STATE_MACHINE_ARN: ARN, BILLING_FAN_OUT_THRESHOLD_BYTES: value };
      // Act
      const attempt = () => readBillingFanOutConfig(env);
      // Assess
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/BILLING_FAN_OUT_THRESHOLD_BYTES .*"/);
    },
  );

  it('refuses an ARN that is not a state machine ARN, naming the variable', () => {
    // Prepare
    const env = { BILLING_FAN_OUT_STATE_MACHINE_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:x' };
    // Act
    const attempt = () => readBillingFanOutConfig(env);
    // Assess
    expect(attempt).toThrow(/BILLING_FAN_OUT_STATE_MACHINE_ARN must be a state machine ARN/);
  });
});
