/**
 * The files under events/ are what a user passes to `sam local invoke -e`: each must get through its
 * function's validation exactly as the README says it will.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { parseConversationEvent, parseWorkflowInput } from '../../functions/shared/events.js';
import { ACTION_STATE_PREFIX, actionFor, defaultActions } from '../../tools/actions/index.js';
import { loadDefinition, loadTemplate } from '../../template/index.js';
import { InvalidEvent } from '../../functions/shared/errors.js';

const eventsDir = new URL('../../events/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, eventsDir), 'utf8'));
const files = readdirSync(eventsDir).filter((name) => name.endsWith('.json'));

describe('events/ for sam local invoke', () => {
  it('has a file for each function', () => {
    expect(files.filter((name) => name.startsWith('dispatcher-'))).not.toHaveLength(0);
    expect(files.filter((name) => name.startsWith('processor-'))).not.toHaveLength(0);
    expect(files.every((name) => name.startsWith('dispatcher-') || name.startsWith('processor-'))).toBe(true);
  });

  it.each(files.filter((name) => name.startsWith('dispatcher-')))('%s is an SQS batch of Genesys events with exactly one malformed record', (name) => {
    const event = read(name) as SQSEvent;
    expect(event.Records.length).toBeGreaterThan(1);
    const outcomes = event.Records.map((record) => {
      expect(record.eventSource).toBe('aws:sqs');
      expect(Number(record.attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(1);
      try {
        return parseConversationEvent(record.body).kind;
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidEvent);
        return 'InvalidEvent';
      }
    });
    expect(outcomes.filter((outcome) => outcome === 'InvalidEvent')).toHaveLength(1);
    expect(new Set(event.Records.map((record) => record.messageId)).size).toBe(event.Records.length);
  });

  it.each(files.filter((name) => name.startsWith('processor-')))('%s is the task payload the deployed workflow hands the processor: its action as actions.yaml routes it', (name) => {
    const input = parseWorkflowInput(read(name));
    const action = actionFor(defaultActions(), input);
    expect(action).toBeDefined();
    expect(input.action).toEqual(action!.plan);
    const states = loadDefinition(loadTemplate()).States as Record<string, { Result?: unknown }>;
    expect(states[`${ACTION_STATE_PREFIX}${action!.name}`]?.Result).toEqual(input.action);
  });

  it('holds no credential', () => {
    for (const name of files) {
      const text = readFileSync(new URL(name, eventsDir), 'utf8');
      expect(text).not.toMatch(/clientSecret|access_token|Authorization|Bearer /i);
    }
  });
});
