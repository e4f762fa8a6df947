/**
 * Whether an EventBridge event pattern matches an event, as EventBridge decides it: what the run's account reads to
 * tell an event the rule kept from SQS from one it forwarded, and what `npm run replay` reads to tell whether the
 * deployed rule passes a kind. The rules are AWS's
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 */
import { isRecord } from '../functions/shared/events.js';

/** A pattern this reader does not know how to match: it refuses rather than guess where an event went. */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

/** `*` matches any run of characters, `\*` a star and `\\` a backslash (AWS: "Wildcard matching"). */
function wildcardMatches(pattern: string, value: string): boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && index + 1 < pattern.length) source += escapeRegExp(pattern[(index += 1)]!);
    else source += char === '*' ? '.*' : escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function numericMatches(conditions: unknown, value: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(conditions)) return false;
  for (let index = 0; index + 1 < conditions.length; index += 2) {
    const [operator, bound] = [conditions[index], conditions[index + 1]];
    if (typeof bound !== 'number') throw new UnsupportedPatternError(`numeric bound ${JSON.stringify(bound)} is not a number`);
    const holds = { '<': value < bound, '<=': value <= bound, '=': value === bound, '>': value > bound, '>=': value >= bound }[String(operator)];
    if (holds === undefined) throw new UnsupportedPatternError(`numeric operator ${JSON.stringify(operator)}`);
    if (!holds) return false;
  }
  return true;
}

/** Whether one matcher of a leaf's list matches one value that is present. */
function matcherMatches(matcher: unknown, value: unknown): boolean {
  if (!isRecord(matcher)) return matcher === value;
  const [operator, operand] = Object.entries(matcher)[0] ?? [];
  const text = typeof value === 'string' ? value : undefined;
  switch (operator) {
    case 'prefix':
      return text !== undefined && (isRecord(operand) ? text.toLowerCase().startsWith(String(operand['equals-ignore-case']).toLowerCase()) : text.startsWith(String(operand)));
    case 'suffix':
      return text !== undefined && (isRecord(operand) ? text.toLowerCase().endsWith(String(operand['equals-ignore-case']).toLowerCase()) : text.endsWith(String(operand)));
    case 'equals-ignore-case':
      return text !== undefined && text.toLowerCase() === String(operand).toLowerCase();
    case 'wildcard':
      return text !== undefined && wildcardMatches(String(operand), text);
    case 'anything-but':
      if (isRecord(operand)) return !matcherMatches(operand, value);
      return !(Array.isArray(operand) ? operand : [operand]).some((excluded) => matcherMatches(excluded, value));
    case 'numeric':
      return numericMatches(operand, value);
    case 'exists':
      return operand === true;
    default:
      throw new UnsupportedPatternError(`the ${JSON.stringify(operator)} operator`);
  }
}

/** A leaf: a list of matchers, any of which matches the field (each element of it, when it is an array). */
function leafMatches(matchers: readonly unknown[], value: unknown): boolean {
  if (value === undefined) return matchers.some((matcher) => isRecord(matcher) && matcher.exists === false);
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((matcher) => values.some((one) => matcherMatches(matcher, one)));
}

function fieldMatches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return leafMatches(pattern, value);
  if (isRecord(pattern)) return isRecord(value) && patternMatches(pattern, value);
  throw new UnsupportedPatternError(`a pattern field of ${JSON.stringify(pattern)}: EventBridge wants a list or an object`);
}

/** The top-level fields of `pattern` that `event` fails; none when it matches. `$or` fails as a whole. */
export function unmatchedFields(pattern: Record<string, unknown>, event: Record<string, unknown>): string[] {
  return Object.entries(pattern).flatMap(([field, sub]) => {
    if (field === '$or') {
      if (!Array.isArray(sub)) throw new UnsupportedPatternError('$or must be a list of patterns');
      return sub.some((alternative) => isRecord(alternative) && patternMatches(alternative, event)) ? [] : [field];
    }
    return fieldMatches(sub, event[field]) ? [] : [field];
  });
}

/**
 * Whether `pattern` matches `event`.
 * @throws UnsupportedPatternError for an operator this reader does not know (cidr).
 */
export function patternMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return unmatchedFields(pattern, event).length === 0;
}
