import { readFileSync } from 'node:fs';
import { ErrorName, InvalidEvent } from '../../functions/shared/errors.js';
import { parseWorkflowInput, type WorkflowInput } from '../../functions/shared/events.js';
import { processEvent, type ProcessLogger } from '../../functions/processor/process.js';
import { clientFor } from '../helpers/genesys-client.js';
import {
  AGENT_PARTICIPANT_ID,
  attributesPath,
  CONVERSATION_ID,
  CONVERSATION_PATH,
  CUSTOMER_PARTICIPANT_ID,
  PARTICIPANT_ID,
  startGenesysServer,
  type GenesysTestServer,
} from '../helpers/genesys-server.js';

/** A sample event from events/ (what the state machine passes as the task payload). */
const sampleInput = (name: string): WorkflowInput => parseWorkflowInput(JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8')));

const silentLogger = (): ProcessLogger & { lines: [string, string, Record<string, unknown>][] } => {
  const lines: [string, string, Record<string, unknown>][] = [];
  return {
    lines,
    info: (message, attributes) => void lines.push(['INFO', message, attributes]),
    debug: (message, attributes) => void lines.push(['DEBUG', message, attributes]),
  };
};

const conversation = (participants: { id: string; purpose: string }[]): { status: number; body: unknown } => ({
  status: 200,
  body: { id: CONVERSATION_ID, participants },
});

describe('processEvent', () => {
  let server: GenesysTestServer;

  beforeEach(async () => {
    server = await startGenesysServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('PATCHes the event participant with the attributes of its kind', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 202 });
    const { client } = clientFor(server);
    const logger = silentLogger();

    const result = await processEvent(sampleInput('processor-customer-start'), { client, logger });

    expect(result).toEqual({
      status: 'applied',
      action: 'customer-start',
      conversationId: CONVERSATION_ID,
      writes: [{ type: 'participantAttributes', participant: 'event', participantId: PARTICIPANT_ID, attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } }],
    });
    expect(server.requestsTo('GET', CONVERSATION_PATH)).toHaveLength(0);
    expect(JSON.parse(server.requestsTo('PATCH', attributesPath(PARTICIPANT_ID))[0]?.body ?? '')).toEqual({
      attributes: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' },
    });
    expect(logger.lines.filter(([level]) => level === 'INFO')).toHaveLength(1);
  });

  it('without a participantId, reads the conversation and PATCHes its customer participant', async () => {
    server.script('GET', CONVERSATION_PATH, conversation([
      { id: AGENT_PARTICIPANT_ID, purpose: 'agent' },
      { id: CUSTOMER_PARTICIPANT_ID, purpose: 'customer' },
    ]));
    server.script('PATCH', attributesPath(CUSTOMER_PARTICIPANT_ID), { status: 202 });
    const { client } = clientFor(server);

    const result = await processEvent(sampleInput('processor-no-participant'), { client, logger: silentLogger() });

    expect(result).toMatchObject({ status: 'applied', writes: [{ participantId: CUSTOMER_PARTICIPANT_ID }] });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /oauth/token',
      `GET ${CONVERSATION_PATH}`,
      `PATCH ${attributesPath(CUSTOMER_PARTICIPANT_ID)}`,
    ]);
  });

  it('fails with Genesys.NotFound naming the purposes when the conversation has no customer', async () => {
    server.script('GET', CONVERSATION_PATH, conversation([
      { id: AGENT_PARTICIPANT_ID, purpose: 'agent' },
      { id: CUSTOMER_PARTICIPANT_ID, purpose: 'acd' },
    ]));
    const { client } = clientFor(server);

    const failure = processEvent(sampleInput('processor-no-participant'), { client, logger: silentLogger() });

    await expect(failure).rejects.toMatchObject({ name: ErrorName.NotFound });
    await expect(failure).rejects.toThrow(/no participant with purpose "customer" \(found: agent, acd\)/);
    expect(server.requestsTo('PATCH', /attributes$/)).toHaveLength(0);
  });

  it('passes a Genesys error through with its name', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 403, body: { message: 'Missing permission conversation:participant:wrapup' } });
    const { client } = clientFor(server);

    await expect(processEvent(sampleInput('processor-customer-start'), { client, logger: silentLogger() })).rejects.toMatchObject({ name: ErrorName.Forbidden, status: 403 });
  });

  it('hands the remaining invocation time to the client', async () => {
    server.script('PATCH', attributesPath(PARTICIPANT_ID), { status: 429, headers: { 'retry-after': '2' } });
    const { client } = clientFor(server, { maxInPlaceRetryAfterSeconds: 5 });

    await expect(processEvent(sampleInput('processor-customer-start'), { client, logger: silentLogger(), remainingMs: () => 1_000 })).rejects.toMatchObject({
      name: ErrorName.RateLimited,
      retryAfterSeconds: 2,
    });
    expect(server.requestsTo('PATCH', /attributes$/)).toHaveLength(1);
  });

  it.each(['attributes', 'flow.start', 'voicemail.end'])('does nothing for a %s event the workflow matched to no action', async (kind) => {
    const { client } = clientFor(server);
    const { action: _action, ...input } = sampleInput('processor-customer-start');

    const result = await processEvent({ ...input, kind }, { client, logger: silentLogger() });

    expect(result).toEqual({ status: 'ignored', conversationId: CONVERSATION_ID, kind });
    expect(server.requests).toHaveLength(0);
  });

  it('never sends a participant id that is not a UUID', async () => {
    const input = sampleInput('processor-customer-start');
    const { client } = clientFor(server);

    await expect(processEvent({ ...input, body: { ...input.body, participantId: '../../../oauth/token' } }, { client, logger: silentLogger() })).rejects.toThrow(InvalidEvent);
    expect(server.requests).toHaveLength(0);
  });
});
