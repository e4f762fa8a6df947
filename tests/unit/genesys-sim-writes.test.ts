import { ErrorName } from '../../functions/shared/errors.js';
import { GenesysClient } from '../../functions/shared/genesys/client.js';
import { TokenBudget } from '../../functions/shared/genesys/budget.js';
import { RateLimiter } from '../../functions/shared/genesys/rate-limiter.js';
import { TokenProvider } from '../../functions/shared/genesys/token.js';
import { startGenesysSimulator, type GenesysSimulator } from '../../local/genesys-sim/server.js';

const CONVERSATION = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
const AGENT = '0b3c8f1e-5d2a-4c7b-9e6f-1a2b3c4d5e6f';
const USER = 'e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7';
const TABLE = '5d1b7f0e-2c4a-4e8b-9f61-0a3c5e7d9b21';
const UNKNOWN = 'c03d300e-fa79-4353-9695-b97a71322785';
const CLIENT = { clientId: '5f9a1c2e-7b3d-4e8f-a6b0-c1d2e3f4a5b6', clientSecret: 's3cret' };

let sim: GenesysSimulator;
let client: GenesysClient;

beforeEach(async () => {
  sim = await startGenesysSimulator({
    clients: [CLIENT],
    conversations: [{ id: CONVERSATION, participants: [{ id: AGENT, purpose: 'agent', userId: USER }] }],
    dataTables: [{ id: TABLE, columns: ['queueId', 'endedAt'] }],
  });
  const tokens = new TokenProvider({ loginBaseUrl: sim.loginBaseUrl, credentials: async () => CLIENT, requestTimeoutMs: 2_000 });
  client = new GenesysClient({ apiBaseUrl: sim.apiBaseUrl, tokens, budget: new TokenBudget(new RateLimiter(300)), requestTimeoutMs: 2_000, maxInPlaceRetryAfterSeconds: 0 });
});

afterEach(async () => {
  await sim.stop();
});

const apiRequests = (): string[] => sim.ledger.requests.filter((request) => request.path !== '/oauth/token').map((request) => `${request.method} ${request.status}`);

describe('the simulator\'s data tables and tags', () => {
  it('creates a row the first time (PUT 404, POST) and replaces it after (PUT), its key in the row', async () => {
    await client.putDataTableRow(TABLE, 'conv.1', { queueId: 'q1' });
    await client.putDataTableRow(TABLE, 'conv.1', { queueId: 'q2', endedAt: 't' });

    expect(sim.tables()).toEqual({ [TABLE]: { 'conv.1': { key: 'conv.1', queueId: 'q2', endedAt: 't' } } });
    expect(apiRequests()).toEqual(['PUT 404', 'POST 200', 'PUT 200']);
  });

  it('answers 404 flows.datatables.table.not.found for a table it does not know, which the client names as Genesys.NotFound', async () => {
    await expect(client.putDataTableRow(UNKNOWN, 'k', { queueId: 'q' })).rejects.toMatchObject({ name: ErrorName.NotFound, status: 404, message: expect.stringContaining(`The data table ${UNKNOWN} was not found`) });
    expect(apiRequests()).toEqual(['PUT 404', 'POST 404']);
  });

  it('refuses a column the table\'s schema lacks with a 400 naming it: Genesys.BadRequest, parked, not retried', async () => {
    await expect(client.putDataTableRow(TABLE, 'k', { wrapupCode: 'x' })).rejects.toMatchObject({ name: ErrorName.BadRequest, message: expect.stringContaining('The column "wrapupCode" is not in the schema') });
    expect(sim.tables()[TABLE]).toEqual({});
  });

  it('keeps a key with characters a URL must encode', async () => {
    await client.putDataTableRow(TABLE, 'a/b c?d', { queueId: 'q' });
    expect(Object.keys(sim.tables()[TABLE] ?? {})).toEqual(['a/b c?d']);
  });

  it('sets a conversation\'s external tag, and answers 404 for a conversation it does not know', async () => {
    await client.putConversationTag(CONVERSATION, 'vip');
    expect(sim.tags()).toEqual({ [CONVERSATION]: 'vip' });
    await expect(client.putConversationTag(UNKNOWN, 'vip')).rejects.toMatchObject({ name: ErrorName.NotFound });
  });

  it('returns the agent\'s userId with the conversation, for writes to the agent', async () => {
    await expect(client.getConversation(CONVERSATION)).resolves.toMatchObject({ participants: [{ id: AGENT, purpose: 'agent', userId: USER }] });
  });
});
