/**
 * EventBridge event-pattern matching, pure. Covers what our rules and the S3 trigger use and the
 * common filters: exact values (any of an array), nested objects, `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (values or a prefix), `exists`, `numeric` ranges and
 * `$or`. Semantics follow the EventBridge docs: every key of the pattern must match (AND), a
 * value array matches when any entry matches (OR), and an array in the event matches when any
 * of its elements does.
 */

/** An EventBridge event pattern (the JSON of a rule's EventPattern). */
export type EventPattern = { [key: string]: unknown };

/** Thrown for a pattern construct this matcher does not know, so a typo never matches silently. */
export class UnsupportedPatternError extends Error {
  constructor(readonly construct: string) {
    super(`unsupported event-pattern construct: ${construct}`);
    this.name = 'UnsupportedPatternError';
  }
}

/** True when `event` (an EventBridge envelope as plain JSON) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  const object = isPlainObject(value) ? value : undefined;
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule)) throw new UnsupportedPatternError('$or must be an array of patterns');
      if (!rule.some((alternative) => isPlainObject(alternative) && matchObject(alternative, value)))
        return false;
      continue;
    }
    const field = object?.[key];
    const present = object !== undefined && Object.hasOwn(object, key);
    if (Array.isArray(rule)) {
      if (!matchField(rule, field, present)) return false;
    } else if (isPlainObject(rule)) {
      if (!matchObject(rule, field)) return false;
    } else {
      throw new UnsupportedPatternError(
        `value of "${key}" must be an array or an object, got ${JSON.stringify(rule)}`,
      );
    }
  }
  return true;
}

/** A leaf: `rules` are alternatives; the field may be absent, a scalar or an array of scalars. */
function matchField(rules: readonly unknown[], field: unknown, present: boolean): boolean {
  const candidates = Array.isArray(field) ? field : [field];
  return rules.some((rule) => {
    if (isPlainObject(rule) && 'exists' in rule) {
      const wanted = rule.exists;
      if (typeof wanted !== 'boolean') throw new UnsupportedPatternError('exists must be true or false');
      // `exists` refers to a leaf value: an object-valued field does not "exist" as a leaf.
      const leafPresent = present && field !== undefined && !isPlainObject(field);
      return wanted === leafPresent;
    }
    if (!present) return false;
    return candidates.some((candidate) => matchValue(rule, candidate));
  });
}

function matchValue(rule: unknown, value: unknown): boolean {
  if (rule === null || typeof rule === 'string' || typeof rule === 'number' || typeof rule === 'boolean') {
    return typeof rule === 'number' && typeof value === 'number' ? rule === value : rule === value;
  }
  if (!isPlainObject(rule)) throw new UnsupportedPatternError(JSON.stringify(rule));
  const [operator, operand, ...more] = Object.entries(rule).flat();
  if (more.length > 0)
    throw new UnsupportedPatternError(`one operator per filter, got ${JSON.stringify(rule)}`);
  switch (operator) {
    case 'prefix':
      return matchPrefix(operand, value);
    case 'suffix':
      if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
        return (
          typeof value === 'string' &&
          value.toLowerCase().endsWith(operand['equals-ignore-case'].toLowerCase())
        );
      }
      return typeof operand === 'string' && typeof value === 'string' && value.endsWith(operand);
    case 'equals-ignore-case':
      return (
        typeof operand === 'string' &&
        typeof value === 'string' &&
        value.toLowerCase() === operand.toLowerCase()
      );
    case 'anything-but':
      return !matchAnythingBut(operand, value);
    case 'numeric':
      return matchNumeric(operand, value);
    default:
      throw new UnsupportedPatternError(`operator ${JSON.stringify(operator)}`);
  }
}

function matchPrefix(operand: unknown, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (typeof operand === 'string') return value.startsWith(operand);
  if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return value.toLowerCase().startsWith(operand['equals-ignore-case'].toLowerCase());
  }
  throw new UnsupportedPatternError(`prefix ${JSON.stringify(operand)}`);
}

/** True when the value is one of the excluded ones (the caller negates). */
function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return operand.some((excluded) => excluded === value);
  if (isPlainObject(operand)) {
    if ('prefix' in operand) return matchPrefix(operand.prefix, value);
    if ('suffix' in operand)
      return (
        typeof value === 'string' && typeof operand.suffix === 'string' && value.endsWith(operand.suffix)
      );
    if ('equals-ignore-case' in operand) {
      const excluded = operand['equals-ignore-case'];
      const list = Array.isArray(excluded) ? excluded : [excluded];
      return (
        typeof value === 'string' &&
        list.some((item) => typeof item === 'string' && item.toLowerCase() === value.toLowerCase())
      );
    }
    throw new UnsupportedPatternError(`anything-but ${JSON.stringify(operand)}`);
  }
  return operand === value;
}

function matchNumeric(operand: unknown, value: unknown): boolean {
  if (!Array.isArray(operand) || operand.length % 2 !== 0)
    throw new UnsupportedPatternError(`numeric ${JSON.stringify(operand)}`);
  if (typeof value !== 'number') return false;
  for (let index = 0; index < operand.length; index += 2) {
    const comparison = operand[index];
    const bound = operand[index + 1];
    if (typeof bound !== 'number')
      throw new UnsupportedPatternError(`numeric bound ${JSON.stringify(bound)}`);
    const ok =
      comparison === '='
        ? value === bound
        : comparison === '<'
          ? value < bound
          : comparison === '<='
            ? value <= bound
            : comparison === '>'
              ? value > bound
              : comparison === '>='
                ? value >= bound
                : undefined;
    if (ok === undefined)
      throw new UnsupportedPatternError(`numeric comparison ${JSON.stringify(comparison)}`);
    if (!ok) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
