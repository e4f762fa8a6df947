import { startGenesysSimulator, type GenesysSimulator, type GenesysSimulatorOptions } from '../../local/genesys-sim/server.js';

const CONVERSATION = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
const CUSTOMER = '9fb2ca78-8389-4758-b76a-9b0300de1fce';
const AGENT = '0b3c8f1e-5d2a-4c7b-9e6f-1a2b3c4d5e6f';
const UNKNOWN = 'c03d300e-fa79-4353-9695-b97a71322785';
const CLIENT = { clientId: '5f9a1c2e-7b3d-4e8f-a6b0-c1d2e3f4a5b6', clientSecret: 's3cret' };

const running: GenesysSimulator[] = [];

async function simulator(options: GenesysSimulatorOptions = {}): Promise<GenesysSimulator> {
  const sim = await startGenesysSimulator({
    clients: [CLIENT],
    conversations: [{ id: CONVERSATION, participants: [{ id: CUSTOMER, purpose: 'customer' }, { id: AGENT, purpose: 'agent' }] }],
    ...options,
  });
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function requestToken(sim: GenesysSimulator, authorization = basic(CLIENT.clientId, CLIENT.clientSecret), body = 'grant_type=client_credentials'): Promise<Response> {
  return fetch(`${sim.loginBaseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

async function token(sim: GenesysSimulator): Promise<string> {
  const response = await requestToken(sim);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function getConversation(sim: GenesysSimulator, accessToken: string | undefined, id = CONVERSATION): Promise<Response> {
  return fetch(`${sim.apiBaseUrl}/api/v2/conversations/${id}`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
}

function patchAttributes(sim: GenesysSimulator, accessToken: string, body: unknown, participantId = CUSTOMER, id = CONVERSATION): Promise<Response> {
  return fetch(`${sim.apiBaseUrl}/api/v2/conversations/${id}/participants/${participantId}/attributes`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Genesys simulator: OAuth token endpoint', () => {
  it('issues an opaque bearer token for the configured client', async () => {
    const sim = await simulator({ tokenExpiresIn: 600 });
    const response = await requestToken(sim);
    expect(response.status).toBe(200);
    expect(response.headers.get('inin-correlation-id')).toMatch(UUID);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 600 });
    expect(sim.ledger.tokenRequestsByClient).toEqual({ [CLIENT.clientId]: 1 });
  });

  it('generates one client when none is configured', async () => {
    const sim = await startGenesysSimulator();
    running.push(sim);
    const [client] = sim.clients;
    expect(client?.clientId).toMatch(UUID);
    expect((await requestToken(sim, basic(client!.clientId, client!.clientSecret))).status).toBe(200);
  });

  it.each([
    ['a wrong secret', basic(CLIENT.clientId, 'wrong')],
    ['an unknown client', basic('someone-else', CLIENT.clientSecret)],
    ['no Basic credentials', 'Bearer abc'],
  ])('answers 401 invalid_client to %s', async (_label, authorization) => {
    const sim = await simulator();
    const response = await requestToken(sim, authorization);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 400 to a grant type other than client_credentials', async () => {
    const sim = await simulator();
    expect((await requestToken(sim, undefined, 'grant_type=password')).status).toBe(400);
    expect((await requestToken(sim, undefined, '')).status).toBe(400);
  });

  it('limits token requests per client with a 429 and Retry-After', async () => {
    const sim = await simulator({ tokenRequestsPerMinute: 2 });
    expect((await requestToken(sim)).status).toBe(200);
    expect((await requestToken(sim)).status).toBe(200);
    const refused = await requestToken(sim);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'too.many.requests.retry.after', status: 429 });
    expect(sim.ledger.tokenRequestsByClient[CLIENT.clientId]).toBe(3);
  });

  it('refuses (401) or fails (503) for a stretch, then recovers', async () => {
    let now = 1_000_000;
    const sim = await simulator({ clock: () => now });
    sim.setTokenEndpoint('refuse', 5_000);
    expect((await requestToken(sim)).status).toBe(401);
    now += 5_000;
    expect((await requestToken(sim)).status).toBe(200);
    sim.setTokenEndpoint('fail');
    expect((await requestToken(sim)).status).toBe(503);
    sim.setTokenEndpoint('ok');
    expect((await requestToken(sim)).status).toBe(200);
    expect(sim.ledger.injected['token-endpoint']).toBe(2);
  });
});

describe('Genesys simulator: authentication', () => {
  const badCredentials = { message: expect.any(String), code: 'bad.credentials', status: 401, contextId: expect.stringMatching(UUID) };

  it('answers 401 bad.credentials without a token or with one it never issued', async () => {
    const sim = await simulator();
    for (const accessToken of [undefined, 'made-up']) {
      const response = await getConversation(sim, accessToken);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject(badCredentials);
    }
  });

  it('answers 401 once a token has expired', async () => {
    let now = 1_000_000;
    const sim = await simulator({ clock: () => now, tokenExpiresIn: 60 });
    const accessToken = await token(sim);
    now += 59_999;
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    now += 1;
    const expired = await getConversation(sim, accessToken);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject(badCredentials);
  });

  it('answers 401 to a revoked token, one at a time or all at once', async () => {
    const sim = await simulator();
    const [first, second, third] = [await token(sim), await token(sim), await token(sim)];
    expect(sim.revokeToken(first)).toBe(true);
    expect(sim.revokeToken('never-issued')).toBe(false);
    expect((await getConversation(sim, first)).status).toBe(401);
    expect((await getConversation(sim, second)).status).toBe(200);
    expect(sim.revokeAllTokens()).toBe(2);
    expect((await getConversation(sim, second)).status).toBe(401);
    expect((await getConversation(sim, third)).status).toBe(401);
  });
});

describe('Genesys simulator: conversations', () => {
  it('answers a known conversation with its participants', async () => {
    const sim = await simulator();
    const response = await getConversation(sim, await token(sim));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: CONVERSATION,
      participants: [
        { id: CUSTOMER, purpose: 'customer', attributes: {} },
        { id: AGENT, purpose: 'agent', attributes: {} },
      ],
    });
  });

  it.each([
    ['an unknown conversation', UNKNOWN, 404, 'not.found'],
    ['an id that is not a UUID', 'not-a-uuid', 400, 'bad.request'],
    ['an encoded path traversal', '..%2F..%2Fusers', 400, 'bad.request'],
    ['a forbidden conversation', CONVERSATION, 403, 'not.authorized'],
  ])('answers %s with the Platform API error shape', async (_label, id, status, code) => {
    const sim = await simulator({ forbiddenConversations: [CONVERSATION] });
    const response = await getConversation(sim, await token(sim), id);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
      message: expect.any(String),
      code,
      status,
      contextId: response.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
  });

  it('merges string attributes into the participant and answers 202', async () => {
    const sim = await simulator();
    const accessToken = await token(sim);
    const first = await patchAttributes(sim, accessToken, { attributes: { 'aws.customer.start': '2024-01-15T09:00:00.000Z' } });
    expect(first.status).toBe(202);
    expect(await first.text()).toBe('');
    expect((await patchAttributes(sim, accessToken, { attributes: { 'aws.customer.end': 'x' } })).status).toBe(202);
    expect(sim.state()).toEqual({
      [CONVERSATION]: { [CUSTOMER]: { 'aws.customer.start': '2024-01-15T09:00:00.000Z', 'aws.customer.end': 'x' } },
    });
    expect(sim.state({ includeEmpty: true })[CONVERSATION]?.[AGENT]).toEqual({});
    expect(sim.ledger.writes).toHaveLength(2);
    expect(sim.conversation(CONVERSATION)?.participants[0]?.attributes).toEqual(sim.state()[CONVERSATION]?.[CUSTOMER]);
  });

  it.each([
    ['a number value', { attributes: { n: 1 } }],
    ['a null value', { attributes: { n: null } }],
    ['no attributes', { other: {} }],
    ['attributes as an array', { attributes: ['a'] }],
  ])('rejects %s with 400 bad.request and writes nothing', async (_label, body) => {
    const sim = await simulator();
    const response = await patchAttributes(sim, await token(sim), body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'bad.request', status: 400 });
    expect(sim.state()).toEqual({});
  });

  it('answers 404 for an unknown participant or conversation', async () => {
    const sim = await simulator();
    const accessToken = await token(sim);
    expect((await patchAttributes(sim, accessToken, { attributes: {} }, UNKNOWN)).status).toBe(404);
    expect((await patchAttributes(sim, accessToken, { attributes: {} }, CUSTOMER, UNKNOWN)).status).toBe(404);
  });

  it('exposes its state and ledger over HTTP', async () => {
    const sim = await simulator();
    const accessToken = await token(sim);
    await patchAttributes(sim, accessToken, { attributes: { k: 'v' } });
    const added = await fetch(`${sim.url}/__sim/conversations`, {
      method: 'POST',
      body: JSON.stringify([{ id: UNKNOWN, participants: [{ id: AGENT, purpose: 'agent' }] }]),
    });
    expect(added.status).toBe(201);
    expect((await getConversation(sim, accessToken, UNKNOWN)).status).toBe(200);
    expect(await (await fetch(`${sim.url}/__sim/state`)).json()).toEqual({ [CONVERSATION]: { [CUSTOMER]: { k: 'v' } } });
    const ledger = (await (await fetch(`${sim.url}/__sim/ledger`)).json()) as { summary: { byStatus: Record<string, number> }; requests: unknown[] };
    expect(ledger.summary.byStatus).toEqual({ '200': 2, '202': 1 });
    expect(ledger.requests).toHaveLength(3);
  });
});

describe('Genesys simulator: rate limit per token', () => {
  it('leaves the inin-ratelimit-* headers off when rateLimitHeaders is off, and still limits (the budget unseen)', async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 1, timeScale: 60, rateLimitHeaders: false, clock: () => now });
    const accessToken = await token(sim);
    const answered = await getConversation(sim, accessToken);
    now += 100;
    const refused = await getConversation(sim, accessToken);

    expect(answered.status).toBe(200);
    expect(refused.status).toBe(429);
    for (const response of [answered, refused]) {
      expect(['inin-ratelimit-count', 'inin-ratelimit-allowed', 'inin-ratelimit-reset'].map((name) => response.headers.get(name))).toEqual([null, null, null]);
    }
    expect(refused.headers.get('retry-after')).toBe('1');
  });

  it('answers the request past the limit 429 with Retry-After, the Genesys body and inin headers', async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 5, timeScale: 60, clock: () => now });
    const accessToken = await token(sim);
    for (let i = 1; i <= 5; i += 1) {
      const response = await getConversation(sim, accessToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('inin-ratelimit-count')).toBe(String(i));
      expect(response.headers.get('inin-ratelimit-allowed')).toBe('5');
      expect(Number(response.headers.get('inin-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
      now += 100;
    }
    const refused = await getConversation(sim, accessToken);
    expect(refused.status).toBe(429);
    // The scaled minute is 1000 ms; the first request leaves it 500 ms from now: 1 s, rounded up.
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('inin-ratelimit-count')).toBe('5');
    expect(refused.headers.get('inin-correlation-id')).toMatch(UUID);
    expect(await refused.json()).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [1] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: refused.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });

    expect((await getConversation(sim, await token(sim))).status).toBe(200);
    now += 600;
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    expect(sim.ledger.requestsByToken).toEqual({ 'token-1': 7, 'token-2': 1 });
    expect(sim.ledger.count(429)).toBe(1);
  });

  it('reports Retry-After in real seconds until a slot frees', async () => {
    let now = 0;
    const sim = await simulator({ requestsPerMinute: 1, clock: () => now });
    const accessToken = await token(sim);
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    now += 15_500;
    const refused = await getConversation(sim, accessToken);
    expect(refused.headers.get('retry-after')).toBe('45');
    sim.configure({ timeScale: 2 });
    expect((await getConversation(sim, accessToken)).headers.get('retry-after')).toBe('15');
  });
});

describe('Genesys simulator: rate limit per OAuth client, per route, and 429s counted', () => {
  const TAGS = `PUT /api/v2/conversations/{conversationId}/tags`;

  function putTag(sim: GenesysSimulator, accessToken: string): Promise<Response> {
    return fetch(`${sim.apiBaseUrl}/api/v2/conversations/${CONVERSATION}/tags`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ externalTag: 'vip' }),
    });
  }

  it("with rateLimitScope 'client', every token of the client shares one budget, and the headers say so", async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 3, rateLimitScope: 'client', timeScale: 60, clock: () => now });
    const tokens = [await token(sim), await token(sim), await token(sim)];
    const answers = [];
    for (const accessToken of tokens) {
      answers.push(await getConversation(sim, accessToken));
      now += 10;
    }
    expect(answers.map((response) => [response.status, response.headers.get('inin-ratelimit-count'), response.headers.get('inin-ratelimit-allowed')])).toEqual([
      [200, '1', '3'],
      [200, '2', '3'],
      [200, '3', '3'],
    ]);
    // A fourth token is no way around it: the client's budget is spent.
    const fourth = await getConversation(sim, await token(sim));
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('inin-ratelimit-count')).toBe('3');
    now += 1_000;
    expect((await getConversation(sim, tokens[0] as string)).status).toBe(200);
  });

  it("with rateLimitScope 'token' (the default), each token has a budget of its own", async () => {
    const now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 1, timeScale: 60, clock: () => now });
    expect(sim.settings.rateLimitScope).toBe('token');
    expect((await getConversation(sim, await token(sim))).status).toBe(200);
    expect((await getConversation(sim, await token(sim))).status).toBe(200);
  });

  it('holds a route with a lower limit of its own to it, counts its requests in the scope too, and leaves the other routes their room', async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 4, resourceLimits: { [TAGS]: 2 }, timeScale: 60, clock: () => now });
    const accessToken = await token(sim);
    const tagged = [await putTag(sim, accessToken), await putTag(sim, accessToken)];
    expect(tagged.map((response) => [response.status, response.headers.get('inin-ratelimit-count'), response.headers.get('inin-ratelimit-allowed')])).toEqual([
      [202, '1', '2'],
      [202, '2', '2'],
    ]);
    const third = await putTag(sim, accessToken);
    expect(third.status).toBe(429);
    expect(third.headers.get('inin-ratelimit-allowed')).toBe('2');
    // The scope counted the two tag writes (not the refused one): two conversation reads are left, then none.
    const reads = [await getConversation(sim, accessToken), await getConversation(sim, accessToken), await getConversation(sim, accessToken)];
    expect(reads.map((response) => [response.status, response.headers.get('inin-ratelimit-allowed')])).toEqual([
      [200, '4'],
      [200, '4'],
      [429, '4'],
    ]);
    now += 1_000;
    expect((await putTag(sim, accessToken)).status).toBe(202);
  });

  it('counts a refused request against the window when countRefused is on: a client that keeps asking stays locked out', async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 2, countRefused: true, timeScale: 60, clock: () => now });
    const accessToken = await token(sim);
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    now += 400;
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    now += 400;
    expect((await getConversation(sim, accessToken)).status).toBe(429);
    // 1000 ms after the first request it has left the window, but the refused one (at 800) has not.
    now += 300;
    expect((await getConversation(sim, accessToken)).status).toBe(429);
    expect(sim.ledger.count(429)).toBe(2);
  });

  it('does not count refused requests by default, as before', async () => {
    let now = 1_000_000;
    const sim = await simulator({ requestsPerMinute: 1, timeScale: 60, clock: () => now });
    const accessToken = await token(sim);
    expect(sim.settings.countRefused).toBe(false);
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    now += 500;
    expect((await getConversation(sim, accessToken)).status).toBe(429);
    now += 600;
    expect((await getConversation(sim, accessToken)).status).toBe(200);
  });

  it('refuses settings it cannot apply with a RangeError naming them', async () => {
    const sim = await simulator();
    expect(() => sim.configure({ rateLimitScope: 'org' as 'client' })).toThrow(/rateLimitScope/);
    expect(() => sim.configure({ resourceLimits: { '/api/v2/conversations': 10 } })).toThrow(/is not a route/);
    expect(() => sim.configure({ resourceLimits: { [TAGS]: 0 } })).toThrow(/resourceLimits/);
  });
});

describe('Genesys simulator: Retry-After', () => {
  it('marks every request a token sends before the Retry-After of its 429 has passed', async () => {
    let now = 0;
    const sim = await simulator({ requestsPerMinute: 1, clock: () => now });
    const accessToken = await token(sim);
    await getConversation(sim, accessToken);
    const refused = await getConversation(sim, accessToken);
    expect(refused.headers.get('retry-after')).toBe('60');
    now += 30_000;
    await getConversation(sim, accessToken);
    now += 30_000;
    expect((await getConversation(sim, accessToken)).status).toBe(200);

    expect(sim.ledger.requests.map((request) => request.beforeRetryAfter ?? false)).toEqual([false, false, false, true, false]);
    expect(sim.ledger.summary().beforeRetryAfter).toBe(1);
  });

  it('with a fixed Retry-After, holds the token to it: 429 until it has passed, whatever the window', async () => {
    let now = 0;
    // A scaled minute of 1 s: the window itself frees long before the Retry-After.
    const sim = await simulator({ requestsPerMinute: 1, timeScale: 60, retryAfterSeconds: 42, clock: () => now });
    const accessToken = await token(sim);
    await getConversation(sim, accessToken);
    const refused = await getConversation(sim, accessToken);
    now += 41_000;
    const held = await getConversation(sim, accessToken);
    now += 1_000;
    const after = await getConversation(sim, accessToken);

    expect(refused.headers.get('retry-after')).toBe('42');
    expect([held.status, held.headers.get('retry-after')]).toEqual([429, '1']);
    expect(after.status).toBe(200);
    sim.configure({ retryAfterSeconds: 0 });
    expect(sim.settings.retryAfterSeconds).toBeUndefined();
  });
});

describe('Genesys simulator: injected trouble', () => {
  async function statuses(options: GenesysSimulatorOptions, count: number): Promise<number[]> {
    const sim = await simulator(options);
    const accessToken = await token(sim);
    const seen: number[] = [];
    for (let i = 0; i < count; i += 1) seen.push((await getConversation(sim, accessToken)).status);
    return seen;
  }

  it('answers a seeded, repeatable share of requests with 5xx', async () => {
    const first = await statuses({ faultRate: 0.3, seed: 42 }, 60);
    const second = await statuses({ faultRate: 0.3, seed: 42 }, 60);
    const other = await statuses({ faultRate: 0.3, seed: 7 }, 60);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    const faults = first.filter((status) => status >= 500);
    expect(faults.length).toBeGreaterThan(5);
    expect(faults.length).toBeLessThan(35);
    expect(new Set(faults).size).toBeGreaterThan(1);
    expect(faults.every((status) => [500, 502, 503, 504].includes(status))).toBe(true);
  });

  it('answers every API request 503 while down, and recovers', async () => {
    const sim = await simulator({ down: true });
    const accessToken = await token(sim);
    const response = await getConversation(sim, accessToken);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'service.unavailable', status: 503 });
    sim.configure({ down: false });
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    expect(sim.ledger.injected).toEqual({ down: 1 });
  });

  it('hangs up on a timed-out request without answering', async () => {
    const sim = await simulator({ timeoutRate: 1, timeoutMs: 20 });
    const accessToken = await token(sim);
    await expect(getConversation(sim, accessToken)).rejects.toThrow();
    expect(sim.ledger.requests.at(-1)).toMatchObject({ status: 0, injected: 'timeout', conversationId: CONVERSATION, token: 'token-1' });
  });

  it('delays answers by the configured latency', async () => {
    const sim = await simulator({ latencyMs: { min: 30, max: 40 } });
    const accessToken = await token(sim);
    const started = Date.now();
    expect((await getConversation(sim, accessToken)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects settings out of range', async () => {
    const sim = await simulator();
    expect(() => sim.configure({ faultRate: 2 })).toThrow(RangeError);
    expect(() => sim.configure({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(sim.settings.faultRate).toBe(0);
  });
});

describe('Genesys simulator: ledger', () => {
  it('counts requests by status and token, never holding a raw token', async () => {
    const sim = await simulator();
    const accessToken = await token(sim);
    await getConversation(sim, accessToken);
    await getConversation(sim, accessToken, UNKNOWN);
    await patchAttributes(sim, accessToken, { attributes: { a: 'b' } }, AGENT);
    await getConversation(sim, undefined);
    expect(sim.ledger.summary()).toEqual({
      requests: 5,
      byStatus: { '200': 2, '202': 1, '401': 1, '404': 1 },
      tokenRequestsByClient: { [CLIENT.clientId]: 1 },
      requestsByToken: { 'token-1': 3 },
      injected: {},
      beforeRetryAfter: 0,
      writes: 1,
    });
    expect(sim.ledger.requests[3]).toMatchObject({ method: 'PATCH', status: 202, conversationId: CONVERSATION, participantId: AGENT });
    expect(JSON.stringify(sim.ledger)).not.toContain(accessToken);
    sim.ledger.clear();
    expect(sim.ledger.summary().requests).toBe(0);
    expect(sim.state()).toEqual({ [CONVERSATION]: { [AGENT]: { a: 'b' } } });
  });
});
