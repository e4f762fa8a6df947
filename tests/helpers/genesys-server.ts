/**
 * A tiny Genesys Cloud stand-in for unit tests: a real HTTP server on 127.0.0.1 that answers each
 * route from a script and records every request. Unscripted routes answer 501, which the client maps
 * to Genesys.Unavailable, so a missing script shows up as a failure instead of a hang.
 *
 *   const server = await startGenesysServer();
 *   server.script('PATCH', /\/attributes$/, { status: 401 }, { status: 202 });
 *   ... server.requests, server.requestsTo('POST', '/oauth/token') ...
 *   await server.close();
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenesysClient } from '../../functions/shared/genesys/client.js';
import { RateLimiter, systemClock, type Clock } from '../../functions/shared/genesys/rate-limiter.js';
import { TokenProvider } from '../../functions/shared/genesys/token.js';

/** One scripted answer. `body` is sent as JSON unless it is a string (sent as is). */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (to exceed a client timeout). */
  delayMs?: number;
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Responder = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

interface Route {
  method: string;
  path: string | RegExp;
  /** Answered in order; the last one repeats. */
  responses: Responder[];
}

/** A running stand-in. */
export interface GenesysTestServer {
  /** `http://127.0.0.1:<port>`: both the login and the API base URL. */
  url: string;
  requests: RecordedRequest[];
  /** Scripts a route; a later script for the same method and path replaces the earlier one. */
  script(method: string, path: string | RegExp, ...responses: Responder[]): void;
  requestsTo(method: string, path: string | RegExp): RecordedRequest[];
  /** Token requests so far. */
  tokenRequests(): number;
  close(): Promise<void>;
}

/** The token route's default: a fresh token per login, valid a day (Genesys' default lifetime). */
export function tokenResponder(expiresIn = 86_400): Responder {
  let issued = 0;
  return () => {
    issued += 1;
    return { status: 200, body: { access_token: `test-access-token-${issued}`, token_type: 'bearer', expires_in: expiresIn } };
  };
}

function matches(route: { method: string; path: string | RegExp }, method: string, path: string): boolean {
  if (route.method !== method) return false;
  return typeof route.path === 'string' ? route.path === path : route.path.test(path);
}

async function answer(res: ServerResponse, scripted: ScriptedResponse): Promise<void> {
  if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
  if (res.destroyed) return;
  const isText = typeof scripted.body === 'string';
  const payload = scripted.body === undefined ? '' : isText ? (scripted.body as string) : JSON.stringify(scripted.body);
  const headers: Record<string, string> = { ...scripted.headers };
  if (payload !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  res.writeHead(scripted.status, headers).end(payload);
}

/** Starts a stand-in on an ephemeral loopback port with the token route scripted to succeed. */
export async function startGenesysServer(): Promise<GenesysTestServer> {
  const routes: Route[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const route = routes.find((candidate) => matches(candidate, recorded.method, recorded.path));
      const responder = route === undefined ? undefined : route.responses.length > 1 ? route.responses.shift() : route.responses[0];
      const scripted = responder === undefined
        ? { status: 501, body: { message: `no scripted response for ${recorded.method} ${recorded.path}` } }
        : typeof responder === 'function' ? responder(recorded) : responder;
      void answer(res, scripted);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const stub: GenesysTestServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(method, path, ...responses) {
      const index = routes.findIndex((route) => route.method === method && String(route.path) === String(path));
      if (index >= 0) routes.splice(index, 1);
      routes.push({ method, path, responses });
    },
    requestsTo: (method, path) => requests.filter((request) => matches({ method, path }, request.method, request.path)),
    tokenRequests: () => requests.filter((request) => request.method === 'POST' && request.path === '/oauth/token').length,
    async close() {
      // fetch keeps connections alive: close them, or close() waits for them to idle out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  stub.script('POST', '/oauth/token', tokenResponder());
  return stub;
}

/** Ids of the sample conversation (tests/fixtures/genesys-events/). */
export const CONVERSATION_ID = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
export const PARTICIPANT_ID = '9fb2ca78-8389-4758-b76a-9b0300de1fce';
export const CUSTOMER_PARTICIPANT_ID = '0d5e1f3a-7c2b-4e8d-9a61-2b3c4d5e6f70';
export const AGENT_PARTICIPANT_ID = '6a7b8c9d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

/** The Platform API paths of the sample conversation. */
export const CONVERSATION_PATH = `/api/v2/conversations/${CONVERSATION_ID}`;
export const attributesPath = (participantId: string = PARTICIPANT_ID): string => `${CONVERSATION_PATH}/participants/${participantId}/attributes`;

/** The OAuth client the test stacks log in with. */
export const TEST_CREDENTIALS = { clientId: 'test-client-id', clientSecret: 'test-client-secret-value' };

/** What a test may vary in a client stack. */
export interface TestClientOptions {
  requestTimeoutMs?: number;
  maxInPlaceRetryAfterSeconds?: number;
  requestsPerMinute?: number;
  clock?: Clock;
  now?: () => number;
}

/** A GenesysClient wired to `server` for login and API, with its token provider and limiter. */
export function clientFor(server: GenesysTestServer, options: TestClientOptions = {}): { client: GenesysClient; tokens: TokenProvider; limiter: RateLimiter } {
  const clock = options.clock ?? systemClock;
  const requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  const tokens = new TokenProvider({
    loginBaseUrl: server.url,
    credentials: async () => TEST_CREDENTIALS,
    requestTimeoutMs,
    now: options.now ?? (() => clock.now()),
  });
  const limiter = new RateLimiter(options.requestsPerMinute ?? 300, clock);
  const client = new GenesysClient({
    apiBaseUrl: server.url,
    tokens,
    limiter,
    requestTimeoutMs,
    maxInPlaceRetryAfterSeconds: options.maxInPlaceRetryAfterSeconds ?? 5,
    clock,
  });
  return { client, tokens, limiter };
}

/** A clock whose sleep returns at once and records what it was asked to wait; time is real. */
export function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  let sleptMs = 0;
  // Time moves on by what was slept, without waiting for it.
  return {
    slept,
    now: () => Date.now() + sleptMs,
    sleep: async (ms) => {
      slept.push(ms);
      sleptMs += ms;
    },
  };
}

/** A clock that stands still but for what it is asked to sleep, which returns at once: waits are exact. */
export function frozenClock(start = Date.parse('2026-01-05T10:00:00.000Z')): Clock & { slept: number[] } {
  const slept: number[] = [];
  let now = start;
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
