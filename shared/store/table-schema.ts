/**
 * The single table's key schema, shared by the CDK stack and the embedded local engine so the
 * two can never drift. Items are typed by the prefix of their partition key (see each store).
 */
export const TableKey = {
  partition: 'pk',
  sort: 'sk',
} as const;

/** A generic secondary index (overloaded per item type) for the access patterns a Scan would otherwise serve. */
export const Gsi1 = {
  name: 'gsi1',
  partition: 'gsi1pk',
  sort: 'gsi1sk',
} as const;

/** Attribute DynamoDB TTL reads (epoch seconds). Housekeeping only: nothing relies on deletion. */
export const TTL_ATTRIBUTE = 'expiresAt';
