import { ErrorName, type PipelineError } from '../../functions/shared/errors.js';
import { refreshMarginMs, TokenProvider } from '../../functions/shared/genesys/token.js';
import { tokenResponder } from '../../local/genesys-sim/script.js';
import { TEST_CREDENTIALS } from '../helpers/genesys-client.js';
import { startGenesysServer, type GenesysTestServer } from '../helpers/genesys-server.js';

describe('TokenProvider', () => {
  let server: GenesysTestServer;
  const provider = (options: { requestTimeoutMs?: number; now?: () => number } = {}): TokenProvider =>
    new TokenProvider({ loginBaseUrl: server.url, credentials: async () => TEST_CREDENTIALS, requestTimeoutMs: options.requestTimeoutMs ?? 2_000, now: options.now });

  beforeEach(async () => {
    server = await startGenesysServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('caches the token and counts its requests', async () => {
    const tokens = provider();

    expect(await tokens.getToken()).toBe('test-access-token-1');
    expect(await tokens.getToken()).toBe('test-access-token-1');
    expect(tokens.requestCount).toBe(1);
  });

  it('shares one in-flight login among concurrent callers', async () => {
    server.script('POST', '/oauth/token', { status: 200, delayMs: 50, body: { access_token: 'shared', token_type: 'bearer', expires_in: 3_600 } });
    const tokens = provider();

    const answers = await Promise.all(Array.from({ length: 20 }, () => tokens.getToken()));

    expect(new Set(answers)).toEqual(new Set(['shared']));
    expect(server.tokenRequests()).toBe(1);
  });

  it('forgets an invalidated token but not a newer one', async () => {
    const tokens = provider();
    const first = await tokens.getToken();

    tokens.invalidate(first);
    const second = await tokens.getToken();
    tokens.invalidate(first);

    expect(second).toBe('test-access-token-2');
    expect(await tokens.getToken()).toBe(second);
    expect(server.tokenRequests()).toBe(2);
  });

  it('refreshes a short-lived token shortly before it expires', async () => {
    let now = 0;
    server.script('POST', '/oauth/token', () => ({ status: 200, body: { access_token: `short-${server.tokenRequests()}`, token_type: 'bearer', expires_in: 2 } }));
    const tokens = provider({ now: () => now });

    expect(await tokens.getToken()).toBe('short-1');
    now = 1_700;
    expect(await tokens.getToken()).toBe('short-1');
    now = 1_850;
    expect(await tokens.getToken()).toBe('short-2');
  });

  it('keeps a margin of 60 s, or 10% of a short lifetime', () => {
    expect(refreshMarginMs(86_400)).toBe(60_000);
    expect(refreshMarginMs(300)).toBe(30_000);
  });

  it.each([
    [400, ErrorName.Unauthorized],
    [401, ErrorName.Unauthorized],
    [403, ErrorName.Unauthorized],
    [500, ErrorName.Unavailable],
    [503, ErrorName.Unavailable],
  ])('maps a token endpoint %i to %s', async (status, name) => {
    server.script('POST', '/oauth/token', { status, body: { error: 'invalid_client', description: 'client not found' } });

    await expect(provider().getToken()).rejects.toMatchObject({ name, status });
  });

  it('maps a token endpoint 429 to Genesys.RateLimited with its Retry-After', async () => {
    server.script('POST', '/oauth/token', { status: 429, headers: { 'retry-after': '17' }, body: { message: 'too many logins', status: 429 } });

    await expect(provider().getToken()).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: 17 });
  });

  it('logs in again only after the Retry-After of a token endpoint 429', async () => {
    server.script('POST', '/oauth/token', { status: 429, headers: { 'retry-after': '17' } }, tokenResponder());
    let now = Date.parse('2026-01-05T10:00:00.000Z');
    const tokens = provider({ now: () => now });

    await expect(tokens.getToken()).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: 17 });
    now += 10_000;
    await expect(tokens.getToken()).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: 7 });
    expect(server.tokenRequests()).toBe(1);
    now += 7_000;
    await expect(tokens.getToken()).resolves.toBe('test-access-token-1');
    expect(server.tokenRequests()).toBe(2);
  });

  it('maps a slow token endpoint to Genesys.Unavailable', async () => {
    server.script('POST', '/oauth/token', { status: 200, delayMs: 500, body: { access_token: 'late', expires_in: 60 } });

    await expect(provider({ requestTimeoutMs: 100 }).getToken()).rejects.toMatchObject({ name: ErrorName.Unavailable });
  });

  it('maps an answer without a token to Genesys.Unavailable and tries again on the next call', async () => {
    server.script('POST', '/oauth/token', { status: 200, body: { token_type: 'bearer' } }, { status: 200, body: { access_token: 'ok', expires_in: 60 } });
    const tokens = provider();

    await expect(tokens.getToken()).rejects.toMatchObject({ name: ErrorName.Unavailable });
    await expect(tokens.getToken()).resolves.toBe('ok');
  });

  it('never puts the client secret or the Basic header in an error', async () => {
    server.script('POST', '/oauth/token', { status: 401, body: { error: 'invalid_client' } });

    const error = (await provider().getToken().catch((caught: unknown) => caught)) as PipelineError;
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;

    expect(text).not.toContain(TEST_CREDENTIALS.clientSecret);
    expect(text).not.toContain('Basic ');
  });
});
