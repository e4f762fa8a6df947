import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GenesysClient, RateLimiter, TokenBudget, type TokenSource } from '../../functions/shared/genesys/index.js';
import { InvalidEvent } from '../../functions/shared/errors.js';
import { startGenesysSimulator, type GenesysSimulator } from '../../local/genesys-sim/server.js';
import { PROJECT_ROOT, functionEnvironment, loadTemplate, resourcesOfType } from '../../template/index.js';

const CONVERSATION = '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60';
const PARTICIPANT = '0b7c9d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e';

/** What a credential looks like in a file: field names that carry one, auth headers, AWS keys, private keys. */
const CREDENTIAL = [
  /"?client_?secret"?\s*[:=]\s*"(?!<)[^"]+"/i,
  /"?access_token"?\s*[:=]\s*"[^"]+"/i,
  /\bAuthorization\b/,
  /\b(?:Basic|Bearer) [A-Za-z0-9+/=._-]{8,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /aws_secret_access_key/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const full = join(path, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('no credential at rest', () => {
  const files = [...filesUnder(join(PROJECT_ROOT, 'events')), ...filesUnder(join(PROJECT_ROOT, 'tests/fixtures')), join(PROJECT_ROOT, 'template.yaml'), join(PROJECT_ROOT, 'samconfig.toml')];

  it.each(files.map((file) => [relative(PROJECT_ROOT, file), file]))('%s holds none', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(CREDENTIAL.filter((pattern) => pattern.test(text)).map(String)).toEqual([]);
  });

  it('no template parameter carries a credential: the only secret-named ones are ARNs', () => {
    const template = loadTemplate();
    const named = Object.entries(template.Parameters ?? {}).filter(([name]) => /secret|password|token|credential|key/i.test(name));
    expect(named.map(([name, parameter]) => [name, parameter.AllowedPattern])).toEqual([
      ['GenesysClientSecretArn', expect.stringContaining(':secretsmanager:')],
      ['GenesysClientSecretKmsKeyArn', expect.stringContaining(':kms:')],
    ]);
    for (const [, parameter] of Object.entries(template.Parameters ?? {})) expect(String(parameter.Default ?? '')).not.toMatch(/secret|password/i);
  });

  it('no function environment variable carries a credential: the secret is named by id only', () => {
    const template = loadTemplate();
    for (const id of resourcesOfType(template, 'AWS::Serverless::Function')) {
      const environment = functionEnvironment(template, id);
      const names = Object.keys(environment).filter((name) => /SECRET|PASSWORD|TOKEN|CREDENTIAL|KEY/.test(name));
      expect(names.every((name) => ['GENESYS_SECRET_ID', 'GENESYS_SECRET_MAX_AGE_SECONDS'].includes(name))).toBe(true);
      for (const value of Object.values(environment)) expect(JSON.stringify(value)).not.toMatch(/clientSecret|Bearer |Basic /);
    }
  });
});

describe('ids in URLs and tokens at the door', () => {
  let simulator: GenesysSimulator;
  beforeAll(async () => {
    simulator = await startGenesysSimulator({ conversations: [{ id: CONVERSATION, participants: [{ id: PARTICIPANT, purpose: 'customer' }] }] });
  });
  afterAll(() => simulator.stop());

  const tokens: TokenSource = { getToken: async () => 'not-a-real-token', invalidate: () => undefined };
  const client = (): GenesysClient =>
    new GenesysClient({ apiBaseUrl: simulator.apiBaseUrl, tokens, budget: new TokenBudget(new RateLimiter(300)), requestTimeoutMs: 2_000, maxInPlaceRetryAfterSeconds: 1 });

  it.each(['../', '..%2F..%2Fusers', '%2F', '', 'a'.repeat(10_240), `${CONVERSATION}/../../users/me`, `${CONVERSATION}?x=1`, ` ${CONVERSATION}`])(
    'the processor refuses to build a URL from the id %j',
    async (id) => {
      const before = simulator.ledger.requests.length;
      await expect(client().getConversation(id)).rejects.toBeInstanceOf(InvalidEvent);
      await expect(client().patchParticipantAttributes(id, PARTICIPANT, { a: 'b' })).rejects.toBeInstanceOf(InvalidEvent);
      await expect(client().patchParticipantAttributes(CONVERSATION, id, { a: 'b' })).rejects.toBeInstanceOf(InvalidEvent);
      expect(simulator.ledger.requests.length).toBe(before);
    },
  );

  const patch = (authorization?: string): Promise<Response> =>
    fetch(`${simulator.apiBaseUrl}/api/v2/conversations/${CONVERSATION}/participants/${PARTICIPANT}/attributes`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify({ attributes: { 'aws.intruder': 'yes' } }),
    });

  it('the simulator refuses requests without a valid token, and applies nothing', async () => {
    const client = simulator.clients[0]!;
    const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const login = await fetch(`${simulator.loginBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token: revoked } = (await login.json()) as { access_token: string };
    simulator.revokeToken(revoked);

    const statuses = await Promise.all([undefined, 'Bearer', 'Bearer not-issued-here', basic, `Bearer ${revoked}`, revoked].map(async (header) => (await patch(header)).status));

    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    expect(simulator.ledger.writes).toEqual([]);
  });

  it('the token endpoint refuses a wrong secret', async () => {
    const client = simulator.clients[0]!;
    const response = await fetch(`${simulator.loginBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:wrong`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
  });
});
