import { ALL_CONTRACTS, EVENT_SOURCE, EventValidationError, parseDetail, ROUTES } from '#events/index';

describe('event contracts', () => {
  it.each(ALL_CONTRACTS.map((contract) => [contract.detailType, contract] as const))(
    'parses the sample of "%s"',
    (_name, contract) => {
      const parsed = parseDetail(contract, contract.sample) as { schemaVersion: number };
      expect(parsed.schemaVersion).toBe(contract.schemaVersion);
      expect(contract.source).toBe(EVENT_SOURCE);
    },
  );

  it.each(ALL_CONTRACTS.map((contract) => [contract.detailType, contract] as const))(
    'rejects a "%s" detail without schemaVersion, naming the field',
    (_name, contract) => {
      const { schemaVersion: _dropped, ...withoutVersion } = contract.sample as Record<string, unknown>;
      expect(() => parseDetail(contract, withoutVersion)).toThrow(EventValidationError);
      expect(() => parseDetail(contract, withoutVersion)).toThrow(/schemaVersion/);
    },
  );

  it('routes every published detail-type to at least one consumer', () => {
    const routed = new Set(ROUTES.flatMap((route) => route.detailTypes));
    const unrouted = ALL_CONTRACTS.map((contract) => contract.detailType).filter((type) => !routed.has(type));
    expect(unrouted).toEqual([]);
  });

  it('declares unique detail-types', () => {
    const types = ALL_CONTRACTS.map((contract) => contract.detailType);
    expect(new Set(types).size).toBe(types.length);
  });
});
