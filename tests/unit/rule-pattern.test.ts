import { envelopeOf, patternMatches, unmatchedFields, UnsupportedPatternError } from '../../local/harness/run/rule-pattern.js';
import { loadEventsFile } from '../../local/harness/load/events-file.js';
import { getProperties, loadTemplate, PROJECT_ROOT } from '../../template/index.js';
import { resolve } from 'node:path';

const rule = getProperties(loadTemplate(), 'GenesysConversationEventsRule').EventPattern as Record<string, unknown>;
const event = (detailType: string, source = 'aws.partner/genesys.com/cloud/org/bus', detail: unknown = {}): Record<string, unknown> => ({ source, 'detail-type': detailType, detail });

describe('patternMatches, with the rule of template.yaml', () => {
  it.each(['customer.start', 'acw', 'user.start'])('matches a Genesys %s event, its detail-type with {id} as Genesys writes it or with the id', (kind) => {
    expect(patternMatches(rule, event(`v2.detail.events.conversation.{id}.${kind}`))).toBe(true);
    expect(patternMatches(rule, event(`v2.detail.events.conversation.7d2f9c1e-4b8a-4e61-a3d5-0c9e8f7a6b51.${kind}`))).toBe(true);
  });

  it('fails the detail-type of a kind no action uses, and of an event that is no conversation event', () => {
    expect(unmatchedFields(rule, event('v2.detail.events.conversation.{id}.flow.start'))).toEqual(['detail-type']);
    expect(unmatchedFields(rule, event('v2.users.{id}.presence'))).toEqual(['detail-type']);
    expect(unmatchedFields(rule, event('v2.detail.events.conversation.{id}.customer.start.extra'))).toEqual(['detail-type']);
  });

  it('fails the source of an event from outside Genesys, whatever its detail-type', () => {
    expect(unmatchedFields(rule, event('v2.detail.events.conversation.{id}.customer.end', 'com.example.crm'))).toEqual(['source']);
    expect(unmatchedFields(rule, event('v2.users.{id}.presence', 'com.example.crm'))).toEqual(['source', 'detail-type']);
  });

  it("reads the file's entries as EventBridge does: the detail parsed", () => {
    const [first] = loadEventsFile(resolve(PROJECT_ROOT, 'tests/fixtures/events-files/mixed-user-events.jsonl'));
    expect(envelopeOf(first!)).toMatchObject({ source: first!.Source, 'detail-type': first!.DetailType, detail: { eventBody: { conversationId: expect.any(String) } } });
  });
});

describe('patternMatches, the operators', () => {
  it('reads a wildcard star as any run of characters, and an escaped star as a star', () => {
    expect(patternMatches({ a: [{ wildcard: 'x.*.y' }] }, { a: 'x..y' })).toBe(true);
    expect(patternMatches({ a: [{ wildcard: 'x.*.y' }] }, { a: 'x.1/2.y' })).toBe(true);
    expect(patternMatches({ a: [{ wildcard: 'x.*.y' }] }, { a: 'x.1.z' })).toBe(false);
    expect(patternMatches({ a: [{ wildcard: 'x\\*' }] }, { a: 'x*' })).toBe(true);
    expect(patternMatches({ a: [{ wildcard: 'x\\*' }] }, { a: 'xy' })).toBe(false);
  });

  it('matches exact values, any element of an array field, and nested fields', () => {
    expect(patternMatches({ a: ['one', 2] }, { a: 2 })).toBe(true);
    expect(patternMatches({ a: ['one'] }, { a: ['zero', 'one'] })).toBe(true);
    expect(patternMatches({ detail: { kind: ['x'] } }, { detail: { kind: 'x' } })).toBe(true);
    expect(patternMatches({ detail: { kind: ['x'] } }, { detail: 'x' })).toBe(false);
  });

  it('matches prefix, suffix, equals-ignore-case, anything-but, exists and numeric as AWS documents them', () => {
    expect(patternMatches({ a: [{ prefix: 'ab' }], b: [{ suffix: '.png' }], c: [{ 'equals-ignore-case': 'ABC' }] }, { a: 'abc', b: 'x.png', c: 'abc' })).toBe(true);
    expect(patternMatches({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' })).toBe(false);
    expect(patternMatches({ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 'zx' })).toBe(true);
    expect(patternMatches({ a: [{ exists: false }] }, {})).toBe(true);
    expect(patternMatches({ a: [{ exists: true }] }, {})).toBe(false);
    expect(patternMatches({ a: ['x'] }, {})).toBe(false);
    expect(patternMatches({ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 })).toBe(true);
    expect(patternMatches({ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 6 })).toBe(false);
    expect(patternMatches({ $or: [{ a: ['x'] }, { b: ['y'] }] }, { b: 'y' })).toBe(true);
  });

  it('refuses an operator it does not know rather than guess where an event went', () => {
    expect(() => patternMatches({ a: [{ cidr: '10.0.0.0/24' }] }, { a: '10.0.0.1' })).toThrow(UnsupportedPatternError);
  });
});
