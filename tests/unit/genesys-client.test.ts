import type { PipelineError } from '../../functions/shared/errors.js';
import { ErrorName, GenesysRateLimited, InvalidEvent, retryAfterOf } from '../../functions/shared/errors.js';
import { tokenResponder } from '../../local/genesys-sim/script.js';
import { clientFor, frozenClock, recordingClock, TEST_CREDENTIALS } from '../helpers/genesys-client.js';
import { attributesPath, CONVERSATION_ID, CONVERSATION_PATH, PARTICIPANT_ID, startGenesysServer, type GenesysTestServer } from '../helpers/genesys-server.js';

const ATTRIBUTES = { 'aws.customer.start': '2022-04-06T09:30:44.949Z' };

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<PipelineError> {
  try {
    await promise;
  } catch (error) {
    return error as PipelineError;
  }
  throw new Error('expected a rejection');
}

describe('GenesysClient', () => {
  let server: GenesysTestServer;

  beforeEach(async () => {
    server = await startGenesysServer();
  });

  afterEach(async () => {
    await server.close();
  });

  describe('patchParticipantAttributes', () => {
    it('logs in with the client credentials and PATCHes the attributes with the bearer token', async () => {
      server.script('PATCH', attributesPath(), { status: 202 });
      const { client } = clientFor(server);

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      const [login] = server.requestsTo('POST', '/oauth/token');
      const basic = Buffer.from(`${TEST_CREDENTIALS.clientId}:${TEST_CREDENTIALS.clientSecret}`).toString('base64');
      expect(login?.headers.authorization).toBe(`Basic ${basic}`);
      expect(login?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(login?.body).toBe('grant_type=client_credentials');
      const [patch] = server.requestsTo('PATCH', attributesPath());
      expect(patch?.headers.authorization).toBe('Bearer test-access-token-1');
      expect(patch?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(patch?.body ?? '')).toEqual({ attributes: ATTRIBUTES });
    });

    it('accepts any 2xx, with or without a body', async () => {
      server.script('PATCH', attributesPath(), { status: 200, body: { attributes: ATTRIBUTES } }, { status: 204 });
      const { client } = clientFor(server);

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);
      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(2);
    });

    it('logs in again once after a 401 and retries: exactly two token requests', async () => {
      server.script('PATCH', attributesPath(), { status: 401, body: { message: 'token expired' } }, { status: 202 });
      const { client, tokens } = clientFor(server);

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      expect(server.tokenRequests()).toBe(2);
      expect(tokens.requestCount).toBe(2);
      expect(server.requestsTo('PATCH', attributesPath()).map((request) => request.headers.authorization)).toEqual([
        'Bearer test-access-token-1',
        'Bearer test-access-token-2',
      ]);
    });

    it('fails with Genesys.Unauthorized when the fresh token is refused too', async () => {
      server.script('PATCH', attributesPath(), { status: 401, headers: { 'inin-correlation-id': 'corr-401' } });
      const { client } = clientFor(server);

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error.name).toBe(ErrorName.Unauthorized);
      expect(error.status).toBe(401);
      expect(error.requestId).toBe('corr-401');
      expect(server.tokenRequests()).toBe(2);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(2);
    });

    it('paces its token to the smaller budget Genesys reports in inin-ratelimit-allowed', async () => {
      // As in a published trace: a 200 reporting 180 a minute for this token, its window resetting in 61 s.
      server.script('PATCH', attributesPath(), { status: 202, headers: { 'inin-ratelimit-count': '1', 'inin-ratelimit-allowed': '180', 'inin-ratelimit-reset': '61' } });
      const { client, tokens, limiter } = clientFor(server, { requestsPerMinute: 300 });

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      expect(limiter.limitFor(await tokens.getToken())).toBe(180);
    });

    it('waits out a short Retry-After once, then succeeds', async () => {
      const clock = frozenClock();
      server.script('PATCH', attributesPath(), { status: 429, headers: { 'retry-after': '2' }, body: { code: 'too.many.requests.retry.after', status: 429 } }, { status: 202 });
      const { client } = clientFor(server, { clock, maxInPlaceRetryAfterSeconds: 5 });

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      expect(clock.slept).toEqual([2_000]);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(2);
    });

    it('waits in place only once: a second 429 fails with Genesys.RateLimited', async () => {
      const clock = frozenClock();
      server.script('PATCH', attributesPath(), { status: 429, headers: { 'retry-after': '1' } });
      const { client } = clientFor(server, { clock });

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error).toBeInstanceOf(GenesysRateLimited);
      expect(clock.slept).toEqual([1_000]);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(2);
    });

    it('fails at once with Genesys.RateLimited carrying retryAfterSeconds when Retry-After is long', async () => {
      const clock = recordingClock();
      server.script('PATCH', attributesPath(), {
        status: 429,
        headers: { 'retry-after': '30' },
        body: { message: 'Rate limit exceeded the maximum', code: 'too.many.requests.retry.after', status: 429, contextId: 'ctx-429' },
      });
      const { client } = clientFor(server, { clock, maxInPlaceRetryAfterSeconds: 5 });

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error.name).toBe(ErrorName.RateLimited);
      expect(error.retryAfterSeconds).toBe(30);
      expect(error.requestId).toBe('ctx-429');
      expect(clock.slept).toEqual([]);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(1);
    });

    it('says the Retry-After in its message: all the dispatcher sees of a failed workflow is the message', async () => {
      server.script('PATCH', attributesPath(), { status: 429, headers: { 'retry-after': '42' } });
      const { client } = clientFor(server, { clock: frozenClock() });

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(retryAfterOf(error.message)).toBe(42);
    });

    it('sends nothing more with the token before the Retry-After Genesys named, whichever call asks', async () => {
      const clock = frozenClock();
      server.script('PATCH', attributesPath(), { status: 429, headers: { 'retry-after': '42' } }, { status: 202 });
      const { client } = clientFor(server, { clock });

      await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));
      const held = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES, { remainingMs: () => 8_000 }));
      const heldGet = await rejection(client.getConversation(CONVERSATION_ID, { remainingMs: () => 8_000 }));
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(1);
      expect(server.requestsTo('GET', CONVERSATION_PATH)).toHaveLength(0);
      expect(held).toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: 42 });
      expect(heldGet.retryAfterSeconds).toBe(42);

      await clock.sleep(42_000);
      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(2);
    });

    it('does not wait in place when the wait would outlast the invocation', async () => {
      const clock = recordingClock();
      server.script('PATCH', attributesPath(), { status: 429, headers: { 'retry-after': '3' } });
      const { client } = clientFor(server, { clock, maxInPlaceRetryAfterSeconds: 5, requestTimeoutMs: 1_000 });

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES, { remainingMs: () => 3_500 }));

      expect(error.name).toBe(ErrorName.RateLimited);
      expect(error.retryAfterSeconds).toBe(3);
      expect(clock.slept).toEqual([]);
    });

    it.each([
      [400, ErrorName.BadRequest],
      [422, ErrorName.BadRequest],
      [403, ErrorName.Forbidden],
      [404, ErrorName.NotFound],
      [500, ErrorName.Unavailable],
      [502, ErrorName.Unavailable],
      [503, ErrorName.Unavailable],
      [504, ErrorName.Unavailable],
    ])('maps %i to %s without retrying', async (status, name) => {
      server.script('PATCH', attributesPath(), { status, body: { message: `status ${status}`, status, contextId: `ctx-${status}` } });
      const { client } = clientFor(server);

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error.name).toBe(name);
      expect(error.status).toBe(status);
      expect(error.requestId).toBe(`ctx-${status}`);
      expect(error.message).toContain(`status ${status}`);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(1);
    });

    it('fails with Genesys.Unavailable when Genesys answers slower than the timeout', async () => {
      server.script('PATCH', attributesPath(), { status: 202, delayMs: 1_000 });
      const { client } = clientFor(server, { requestTimeoutMs: 150 });

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error.name).toBe(ErrorName.Unavailable);
      expect(error.message).toMatch(/no answer within 150 ms/);
    });

    it('fails with Genesys.Unavailable when the connection is refused', async () => {
      const { client } = clientFor(server);
      await client.getConversation(CONVERSATION_ID).catch(() => undefined);
      await server.close();

      const error = await rejection(client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES));

      expect(error.name).toBe(ErrorName.Unavailable);
      expect(error.message).toMatch(/connection failed/);
      server = await startGenesysServer();
    });

    it.each([
      ['conversationId', '../../users/me', PARTICIPANT_ID],
      ['conversationId', `${CONVERSATION_ID}%2F..`, PARTICIPANT_ID],
      ['participantId', CONVERSATION_ID, 'not-a-uuid'],
      ['participantId', CONVERSATION_ID, ''],
    ])('rejects a %s that is not a UUID before any request', async (field, conversationId, participantId) => {
      const { client } = clientFor(server);

      const error = await rejection(client.patchParticipantAttributes(conversationId, participantId, ATTRIBUTES));

      expect(error).toBeInstanceOf(InvalidEvent);
      expect(error.message).toContain(field);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('getConversation', () => {
    it('answers the conversation with its participants', async () => {
      const conversation = { id: CONVERSATION_ID, participants: [{ id: PARTICIPANT_ID, purpose: 'customer' }] };
      server.script('GET', CONVERSATION_PATH, { status: 200, body: conversation, headers: { 'inin-correlation-id': 'corr-get' } });
      const { client } = clientFor(server);

      await expect(client.getConversation(CONVERSATION_ID)).resolves.toEqual(conversation);
      expect(server.requestsTo('GET', CONVERSATION_PATH)[0]?.headers.authorization).toBe('Bearer test-access-token-1');
    });

    it.each([
      ['not JSON', '{"id": "2f7bf00a'],
      ['JSON without participants', JSON.stringify({ id: CONVERSATION_ID })],
      ['empty', ''],
    ])('fails with Genesys.Unavailable when a 200 body is %s', async (_label, body) => {
      server.script('GET', CONVERSATION_PATH, { status: 200, body, headers: { 'content-type': 'application/json' } });
      const { client } = clientFor(server);

      const error = await rejection(client.getConversation(CONVERSATION_ID));

      expect(error.name).toBe(ErrorName.Unavailable);
    });

    it('rejects a conversationId that is not a UUID before any request', async () => {
      const { client } = clientFor(server);

      await expect(client.getConversation('x/../../oauth/token')).rejects.toThrow(InvalidEvent);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('tokens', () => {
    it('reuses one token for many calls', async () => {
      server.script('PATCH', attributesPath(), { status: 202 });
      const { client, tokens } = clientFor(server);

      for (let call = 0; call < 5; call += 1) await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);
      await Promise.all(Array.from({ length: 10 }, () => client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES)));

      expect(server.tokenRequests()).toBe(1);
      expect(tokens.requestCount).toBe(1);
      expect(server.requestsTo('PATCH', attributesPath())).toHaveLength(15);
    });

    it('shares one login among concurrent first callers', async () => {
      server.script('POST', '/oauth/token', { status: 200, delayMs: 100, body: { access_token: 'slow-token', token_type: 'bearer', expires_in: 86_400 } });
      server.script('PATCH', attributesPath(), { status: 202 });
      const { client } = clientFor(server);

      await Promise.all(Array.from({ length: 8 }, () => client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES)));

      expect(server.tokenRequests()).toBe(1);
      expect(new Set(server.requestsTo('PATCH', attributesPath()).map((request) => request.headers.authorization))).toEqual(new Set(['Bearer slow-token']));
    });

    it('logs in again when the token nears its expiry', async () => {
      let now = 1_000_000;
      server.script('POST', '/oauth/token', tokenResponder(120));
      server.script('PATCH', attributesPath(), { status: 202 });
      const { client } = clientFor(server, { now: () => now });

      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);
      now += 59_000; // 120 s token, refreshed 12 s (10%) before expiry: still fresh
      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);
      expect(server.tokenRequests()).toBe(1);
      now += 50_000; // 109 s after login: inside the margin
      await client.patchParticipantAttributes(CONVERSATION_ID, PARTICIPANT_ID, ATTRIBUTES);

      expect(server.tokenRequests()).toBe(2);
      expect(server.requestsTo('PATCH', attributesPath()).map((request) => request.headers.authorization)).toEqual([
        'Bearer test-access-token-1',
        'Bearer test-access-token-1',
        'Bearer test-access-token-2',
      ]);
    });
  });
});
