/** What one resource's check found: the fields it compared and those that differ, with both values. */
import { isDeepStrictEqual } from 'node:util';

/** Stands for a resource moto does not create, wherever a value refers to it: a field holding it is not compared. */
export const NOT_CREATED = '«not created in moto»';

/** The findings of one resource's check. */
export class Findings {
  readonly compared: string[] = [];
  readonly skipped: string[] = [];
  private readonly differences: { field: string; text: string }[] = [];

  /** The fields that differ, each with both values. */
  get mismatches(): string[] {
    return this.differences.map((difference) => difference.text);
  }

  /** Moves the differences of fields a known moto gap keeps from being right into `skipped`, naming the gap. */
  excuse(applies: (field: string) => boolean, gap: string): void {
    for (let index = this.differences.length - 1; index >= 0; index -= 1) {
      const difference = this.differences[index]!;
      if (!applies(difference.field)) continue;
      this.differences.splice(index, 1);
      this.skipped.push(`${difference.field} (${gap})`);
    }
  }

  /** Compares one field; numbers and their text are the same value (SQS answers attributes as text). */
  field(name: string, expected: unknown, actual: unknown): void {
    if (JSON.stringify(expected ?? null).includes(NOT_CREATED)) {
      this.skipped.push(`${name} (refers to a resource moto does not create)`);
      return;
    }
    this.compared.push(name);
    if (!isDeepStrictEqual(normalise(expected), normalise(actual))) {
      this.differences.push({ field: name, text: `${name}: template says ${JSON.stringify(expected)}, read back ${JSON.stringify(actual)}` });
    }
  }

  /** A fact that holds or not, named. */
  holds(name: string, holds: boolean, detail = ''): void {
    this.compared.push(name);
    if (!holds) this.differences.push({ field: name, text: `${name}${detail === '' ? '' : `: ${detail}`}` });
  }
}

function normalise(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, normalise(item)]),
    );
  }
  return value;
}
