import { ErrorName } from '../../functions/shared/errors.js';
import type { WorkflowInput } from '../../functions/shared/events.js';
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

const TABLE_ID = '3c9d2b1a-5e4f-4a6b-8c7d-9e0f1a2b3c4d';
const QUEUE_ID = 'b7c2e9a0-3f41-4d5e-8a6b-1c2d3e4f5a6b';
const USER_ID = 'e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7';
const ROWS_PATH = `/api/v2/flows/datatables/${TABLE_ID}/rows`;
const TAGS_PATH = `${CONVERSATION_PATH}/tags`;

const logger: ProcessLogger = { info: () => undefined, debug: () => undefined };

function input(kind: string, action: unknown, body: Record<string, unknown> = {}): WorkflowInput {
  return { messageId: 'm-1', eventId: 'e-1', kind, body: { conversationId: CONVERSATION_ID, eventTime: 1649237444949, ...body }, action };
}

const acdEndRow = {
  name: 'acd-queue-row',
  writes: [{ dataTableRow: { datatableId: TABLE_ID, key: '{{eventBody.conversationId}}', values: { queueId: '{{eventBody.queueId}}', endedAt: '{{eventBody.eventTime | iso}}' } } }],
};

describe('processEvent, each write target', () => {
  let server: GenesysTestServer;

  beforeEach(async () => {
    server = await startGenesysServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('PUTs a data table row keyed by the template, the key column in the body', async () => {
    server.script('PUT', `${ROWS_PATH}/${CONVERSATION_ID}`, { status: 200, body: {} });
    const { client } = clientFor(server);

    const result = await processEvent(input('acd.end', acdEndRow, { queueId: QUEUE_ID }), { client, logger });

    expect(result).toMatchObject({ status: 'applied', action: 'acd-queue-row', writes: [{ type: 'dataTableRow', key: CONVERSATION_ID }] });
    expect(JSON.parse(server.requestsTo('PUT', `${ROWS_PATH}/${CONVERSATION_ID}`)[0]?.body ?? '')).toEqual({
      key: CONVERSATION_ID,
      queueId: QUEUE_ID,
      endedAt: '2022-04-06T09:30:44.949Z',
    });
  });

  it('creates the row with a POST when the PUT answers 404, and PUTs again when another writer created it meanwhile', async () => {
    server.script('PUT', `${ROWS_PATH}/${CONVERSATION_ID}`, { status: 404, body: { code: 'flows.datatables.row.not.found' } }, { status: 200, body: {} });
    server.script('POST', ROWS_PATH, { status: 409, body: { code: 'flows.datatables.row.exists' } });
    const { client } = clientFor(server);

    await processEvent(input('acd.end', acdEndRow, { queueId: QUEUE_ID }), { client, logger });

    expect(server.requests.filter((request) => request.path !== '/oauth/token').map((request) => `${request.method} ${request.path}`)).toEqual([
      `PUT ${ROWS_PATH}/${CONVERSATION_ID}`,
      `POST ${ROWS_PATH}`,
      `PUT ${ROWS_PATH}/${CONVERSATION_ID}`,
    ]);
  });

  it('fails as Genesys.NotFound when the table does not exist, and Genesys.BadRequest when it lacks a column', async () => {
    server.script('PUT', `${ROWS_PATH}/${CONVERSATION_ID}`, { status: 404 }, { status: 400, body: { message: 'The column "queueId" is not in the schema' } });
    server.script('POST', ROWS_PATH, { status: 404, body: { message: 'The data table was not found', code: 'flows.datatables.table.not.found' } });
    const { client } = clientFor(server);

    await expect(processEvent(input('acd.end', acdEndRow, { queueId: QUEUE_ID }), { client, logger })).rejects.toMatchObject({ name: ErrorName.NotFound, message: expect.stringMatching(/POST .*rows.*not found/) });
    await expect(processEvent(input('acd.end', acdEndRow, { queueId: QUEUE_ID }), { client, logger })).rejects.toMatchObject({ name: ErrorName.BadRequest, message: expect.stringMatching(/queueId/) });
  });

  it('parks an event whose row key cannot render as InvalidEvent, naming the action and the field', async () => {
    const { client } = clientFor(server);
    const byQueue = { name: 'by-queue', writes: [{ dataTableRow: { datatableId: TABLE_ID, key: '{{eventBody.queueId}}', values: { at: '{{eventBody.eventTime | iso}}' } } }] };

    await expect(processEvent(input('acd.end', byQueue), { client, logger })).rejects.toMatchObject({
      name: ErrorName.InvalidEvent,
      message: 'action "by-queue": the data table row key needs eventBody.queueId, which is absent from the event',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('PUTs the conversation external tag', async () => {
    server.script('PUT', TAGS_PATH, { status: 202 });
    const { client } = clientFor(server);

    await processEvent(input('acw', { name: 'tag', writes: [{ conversationTag: 'wrap-{{eventBody.wrapupCode}}' }] }, { wrapupCode: 'SALE' }), { client, logger });

    expect(JSON.parse(server.requestsTo('PUT', TAGS_PATH)[0]?.body ?? '')).toEqual({ externalTag: 'wrap-SALE' });
  });

  it('writes to the customer and to the agent named by userId, reading the conversation once', async () => {
    server.script('GET', CONVERSATION_PATH, {
      status: 200,
      body: { id: CONVERSATION_ID, participants: [{ id: CUSTOMER_PARTICIPANT_ID, purpose: 'customer' }, { id: AGENT_PARTICIPANT_ID, purpose: 'agent', userId: USER_ID }] },
    });
    server.script('PATCH', attributesPath(CUSTOMER_PARTICIPANT_ID), { status: 202 });
    server.script('PATCH', attributesPath(AGENT_PARTICIPANT_ID), { status: 202 });
    const { client } = clientFor(server);
    const both = {
      name: 'wrapup-both',
      writes: [
        { participantAttributes: { participant: 'customer', values: { 'crm.wrapup': '{{eventBody.wrapupCode}}' } } },
        { participantAttributes: { participant: 'agent', values: { 'crm.lastWrapup': '{{eventBody.wrapupCode}}' } } },
      ],
    };

    await processEvent(input('acw', both, { participantId: PARTICIPANT_ID, userId: USER_ID, wrapupCode: 'SALE' }), { client, logger });

    expect(server.requestsTo('GET', CONVERSATION_PATH)).toHaveLength(1);
    expect(JSON.parse(server.requestsTo('PATCH', attributesPath(CUSTOMER_PARTICIPANT_ID))[0]?.body ?? '')).toEqual({ attributes: { 'crm.wrapup': 'SALE' } });
    expect(JSON.parse(server.requestsTo('PATCH', attributesPath(AGENT_PARTICIPANT_ID))[0]?.body ?? '')).toEqual({ attributes: { 'crm.lastWrapup': 'SALE' } });
  });

  it('fails as ConfigurationError naming the field when the workflow hands it a plan the build would refuse', async () => {
    const { client } = clientFor(server);

    await expect(processEvent(input('acw', { name: 'broken', writes: [{ dataTableRow: { datatableId: 'not-a-uuid', key: 'k', values: { a: 'b' } } }] }), { client, logger })).rejects.toMatchObject({
      name: ErrorName.Configuration,
      message: expect.stringContaining('action.writes[0].dataTableRow.datatableId'),
    });
    expect(server.requests).toHaveLength(0);
  });
});
