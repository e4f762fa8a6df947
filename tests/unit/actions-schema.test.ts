import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { PARTICIPANT_TARGETS } from '../../functions/shared/actions/plan.js';
import { CONVERSATION_EVENT_KINDS } from '../../functions/shared/events.js';
import { FIELD_TEST_OPERATORS } from '../../tools/actions/index.js';
import { PROJECT_ROOT } from '../../template/index.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] };
const Ajv = createRequire(import.meta.url)('ajv') as new (options: object) => { compile(schema: unknown): Validate };
const schema = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'actions.schema.json'), 'utf8')) as { definitions: Record<string, { enum?: unknown[]; properties?: Record<string, { enum?: unknown[] }> }> };
const validate = new Ajv({ allErrors: true }).compile(schema);
const yamlOf = (path: string): unknown => parse(readFileSync(resolve(PROJECT_ROOT, path), 'utf8'));

describe('actions.schema.json, for editors', () => {
  it.each(['actions.yaml', 'docs/examples/actions.example.yaml'])('accepts %s', (path) => {
    expect(validate(yamlOf(path))).toBe(true);
  });

  it('names the kinds, tests and participants the reader takes', () => {
    expect(schema.definitions.kind?.enum).toEqual([...CONVERSATION_EVENT_KINDS]);
    expect(Object.keys(schema.definitions.test?.properties ?? {})).toEqual([...FIELD_TEST_OPERATORS]);
    const attributes = schema.definitions.write?.properties?.participantAttributes as { properties: { participant: { enum: unknown[] } } };
    expect(attributes.properties.participant.enum).toEqual([...PARTICIPANT_TARGETS]);
  });

  it.each<[string, unknown]>([
    ['an unknown kind', { actions: [{ name: 'n', on: 'customer.begin', writes: [{ conversationTag: 'x' }] }] }],
    ['an unknown write', { actions: [{ name: 'n', on: 'acw', writes: [{ email: 'x' }] }] }],
    ['two writes in one item', { actions: [{ name: 'n', on: 'acw', writes: [{ conversationTag: 'x', dataTableRow: {} }] }] }],
    ['an unknown test', { actions: [{ name: 'n', on: 'acw', when: { 'eventBody.x': { startsWith: 'a' } }, writes: [{ conversationTag: 'x' }] }] }],
    ['a value that is not a string', { actions: [{ name: 'n', on: 'acw', writes: [{ participantAttributes: { values: { a: 42 } } }] }] }],
  ])('refuses %s, as npm run actions does', (_case, file) => {
    expect(validate(file)).toBe(false);
  });
});
