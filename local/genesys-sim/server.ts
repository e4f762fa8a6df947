/**
 * A Genesys Cloud simulator: a real HTTP server on loopback that answers the three calls the
 * processor makes (OAuth client credentials, GET conversation, PATCH participant attributes) the way
 * Genesys does, limits included, and can be told to misbehave. Contract: docs/design.md ("Genesys
 * Cloud facts the code must respect"); https://developer.genesys.cloud/platform/api/rate-limits
 *
 * Time: the clock (option `clock`, default Date.now) measures real milliseconds. `timeScale` shrinks
 * the rate-limit minute: the rolling windows last 60000 / timeScale ms, so a test runs a "minute" of
 * traffic in 1/timeScale of the time. Retry-After and inin-ratelimit-reset are reported in real seconds
 * (how long a client must actually wait), rounded up, at least 1. Token lifetimes (`expires_in`) are
 * not scaled: a token lives the real seconds its `expires_in` says, so a client's cache is never lied to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isUuid } from '../../functions/shared/events.js';
import { SeededRandom } from '../shared/random.js';
import { Ledger, type LedgerEntry } from './ledger.js';
import { RollingWindow, toRetryAfterSeconds, type WindowDecision } from './rolling-window.js';

/** An OAuth client the token endpoint accepts. */
export interface SimulatorClient {
  clientId: string;
  clientSecret: string;
}

/** A conversation participant; `attributes` are the ones it starts with (none by default). */
export interface SimulatorParticipant {
  id: string;
  purpose: string;
  attributes?: Record<string, string>;
}

/** A conversation the simulator knows. */
export interface SimulatorConversation {
  id: string;
  participants: SimulatorParticipant[];
}

/** Participant attributes per conversation and participant: `{conversationId: {participantId: attributes}}`. */
export type SimulatorState = Record<string, Record<string, Record<string, string>>>;

/** A fixed delay, or one drawn uniformly from [min, max] per request. */
export type Latency = number | { min: number; max: number };

/** How the token endpoint behaves: normally, refusing every client (401), or failing (503). */
export type TokenEndpointMode = 'ok' | 'refuse' | 'fail';

/** Behaviour that can change while the simulator runs (see `configure`). */
export interface SimulatorSettings {
  /** API requests one token may make per (scaled) minute. Genesys: 300. */
  requestsPerMinute: number;
  /** Token requests one client may make per (scaled) minute. Genesys: 300. */
  tokenRequestsPerMinute: number;
  /** Speed-up of the rate-limit minute: windows last 60000 / timeScale ms. */
  timeScale: number;
  /** `expires_in` of new tokens, in (real) seconds. */
  tokenExpiresIn: number;
  /** Share of authenticated API requests answered with one of `faultStatuses`, drawn from the seed. */
  faultRate: number;
  faultStatuses: number[];
  /** Delay before an authenticated API request is answered. */
  latencyMs: Latency;
  /** Share of authenticated API requests that hang for `timeoutMs`, then have their connection closed unanswered. */
  timeoutRate: number;
  timeoutMs: number;
  /** Every API request answered 503 (the token endpoint has its own switch: `setTokenEndpoint`). */
  down: boolean;
  /** Conversations answered 403. */
  forbiddenConversations: ReadonlySet<string>;
  /**
   * When set, a 429 names this Retry-After (real seconds) instead of the time until a slot frees, and
   * Genesys holds the token to it: every request with that token is answered 429 until it has passed.
   * `configure({retryAfterSeconds: 0})` turns it off.
   */
  retryAfterSeconds?: number;
}

/** Options of `startGenesysSimulator`; every setting has the default documented on `SimulatorSettings`. */
export interface GenesysSimulatorOptions extends Partial<Omit<SimulatorSettings, 'forbiddenConversations'>> {
  /** Port on 127.0.0.1; 0 (default) lets the OS pick. */
  port?: number;
  /** Accepted clients; default one with a random UUID id and a random secret. */
  clients?: SimulatorClient[];
  /** Seed of the fault, timeout and latency draws (default 1), so runs repeat. */
  seed?: number;
  /** Epoch-ms clock for windows and token expiry (default Date.now); tests may pass a fake one. */
  clock?: () => number;
  /** Conversations known from the start. */
  conversations?: SimulatorConversation[];
  forbiddenConversations?: Iterable<string>;
}

/** A running simulator. */
export interface GenesysSimulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Where the processor logs in (GENESYS_LOGIN_BASE_URL): the same server. */
  readonly loginBaseUrl: string;
  /** Where the processor calls the API (GENESYS_API_BASE_URL): the same server. */
  readonly apiBaseUrl: string;
  readonly clients: readonly SimulatorClient[];
  readonly ledger: Ledger;
  /** The current behaviour (a snapshot). */
  readonly settings: Readonly<SimulatorSettings>;
  /** Changes behaviour from the next request on. */
  configure(patch: Partial<Omit<SimulatorSettings, 'forbiddenConversations'>> & { forbiddenConversations?: Iterable<string> }): void;
  /** Makes the token endpoint refuse (401) or fail (503), for `forMs` ms of the clock or until set back to 'ok'. */
  setTokenEndpoint(mode: TokenEndpointMode, forMs?: number): void;
  /** Registers (or replaces) a conversation. */
  addConversation(conversation: SimulatorConversation): void;
  /** A copy of a known conversation with its current attributes. */
  conversation(id: string): SimulatorConversation | undefined;
  /**
   * Attributes per conversation and participant. By default only participants that have attributes
   * (and conversations with such participants), so it compares directly with `expectedState`;
   * `includeEmpty` lists every known participant.
   */
  state(options?: { includeEmpty?: boolean }): SimulatorState;
  /** Revokes one issued token; false when it was not issued here. */
  revokeToken(accessToken: string): boolean;
  /** Revokes every issued token; returns how many were live. */
  revokeAllTokens(): number;
  /** Closes the server, dropping open connections and pending delays. */
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS: Omit<SimulatorSettings, 'forbiddenConversations'> = {
  requestsPerMinute: 300,
  tokenRequestsPerMinute: 300,
  timeScale: 1,
  tokenExpiresIn: 86_399,
  faultRate: 0,
  faultStatuses: [500, 502, 503, 504],
  latencyMs: 0,
  timeoutRate: 0,
  timeoutMs: 30_000,
  down: false,
};

const ERROR_CODES: Record<number, string> = {
  400: 'bad.request',
  401: 'bad.credentials',
  403: 'not.authorized',
  404: 'not.found',
  405: 'method.not.allowed',
  429: 'too.many.requests.retry.after',
  500: 'internal.server.error',
  502: 'bad.gateway',
  503: 'service.unavailable',
  504: 'gateway.timeout',
};

const MAX_BODY_BYTES = 1_000_000;
const MINUTE_MS = 60_000;

interface IssuedToken {
  label: string;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

interface Participant {
  id: string;
  purpose: string;
  attributes: Record<string, string>;
}

interface Conversation {
  id: string;
  participants: Map<string, Participant>;
}

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

function checkRate(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

class Simulator implements GenesysSimulator {
  readonly ledger = new Ledger();
  readonly clients: readonly SimulatorClient[];
  url = '';
  port = 0;

  private current: SimulatorSettings;
  private readonly clock: () => number;
  private readonly apiWindow: RollingWindow;
  private readonly tokenWindow: RollingWindow;
  private readonly faults: SeededRandom;
  private readonly timeouts: SeededRandom;
  private readonly latencies: SeededRandom;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private tokenEndpoint: { mode: TokenEndpointMode; until: number } = { mode: 'ok', until: Infinity };
  /** Per token label: until when (epoch ms) the last 429 told its holder to wait. */
  private readonly retryAfterUntil = new Map<string, number>();
  readonly server: Server;

  constructor(options: GenesysSimulatorOptions) {
    const { port: _port, clients, seed = 1, clock = Date.now, conversations = [], forbiddenConversations = [], ...settings } = options;
    this.clock = clock;
    this.clients = clients?.map((client) => ({ ...client })) ?? [
      { clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64url') },
    ];
    if (this.clients.length === 0) throw new RangeError('clients must name at least one client');
    this.current = { ...DEFAULT_SETTINGS, forbiddenConversations: new Set() };
    this.apiWindow = new RollingWindow(0, MINUTE_MS, clock);
    this.tokenWindow = new RollingWindow(0, MINUTE_MS, clock);
    this.configure({ ...settings, forbiddenConversations });
    this.faults = SeededRandom.derive(seed, 'faults');
    this.timeouts = SeededRandom.derive(seed, 'timeouts');
    this.latencies = SeededRandom.derive(seed, 'latency');
    for (const conversation of conversations) this.addConversation(conversation);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: String(error), code: 'internal.server.error', status: 500 }));
        }
      });
    });
  }

  get loginBaseUrl(): string {
    return this.url;
  }

  get apiBaseUrl(): string {
    return this.url;
  }

  get settings(): Readonly<SimulatorSettings> {
    return { ...this.current, forbiddenConversations: new Set(this.current.forbiddenConversations) };
  }

  configure(patch: Partial<Omit<SimulatorSettings, 'forbiddenConversations'>> & { forbiddenConversations?: Iterable<string> }): void {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as typeof patch;
    const { forbiddenConversations, ...rest } = defined;
    const next: SimulatorSettings = {
      ...this.current,
      ...rest,
      forbiddenConversations: forbiddenConversations === undefined ? this.current.forbiddenConversations : new Set(forbiddenConversations),
    };
    checkPositive('requestsPerMinute', next.requestsPerMinute);
    checkPositive('tokenRequestsPerMinute', next.tokenRequestsPerMinute);
    checkPositive('timeScale', next.timeScale);
    checkPositive('tokenExpiresIn', next.tokenExpiresIn);
    checkRate('faultRate', next.faultRate);
    // 0 turns a fixed Retry-After off again (configure skips undefined values).
    if (next.retryAfterSeconds === 0) delete next.retryAfterSeconds;
    if (next.retryAfterSeconds !== undefined) checkPositive('retryAfterSeconds', next.retryAfterSeconds);
    checkRate('timeoutRate', next.timeoutRate);
    if (next.faultStatuses.length === 0) throw new RangeError('faultStatuses must name at least one status');
    const latency = typeof next.latencyMs === 'number' ? { min: next.latencyMs, max: next.latencyMs } : next.latencyMs;
    if (!(latency.min >= 0 && latency.max >= latency.min)) throw new RangeError('latencyMs must be ≥ 0 (and min ≤ max)');
    this.current = next;
    this.apiWindow.limit = next.requestsPerMinute;
    this.tokenWindow.limit = next.tokenRequestsPerMinute;
    this.apiWindow.windowMs = MINUTE_MS / next.timeScale;
    this.tokenWindow.windowMs = MINUTE_MS / next.timeScale;
  }

  setTokenEndpoint(mode: TokenEndpointMode, forMs?: number): void {
    this.tokenEndpoint = { mode, until: forMs === undefined ? Infinity : this.clock() + forMs };
  }

  addConversation(conversation: SimulatorConversation): void {
    if (!isUuid(conversation.id)) throw new RangeError(`conversation id ${JSON.stringify(conversation.id)} is not a UUID`);
    const participants = new Map<string, Participant>();
    for (const { id, purpose, attributes = {} } of conversation.participants) {
      if (!isUuid(id)) throw new RangeError(`participant id ${JSON.stringify(id)} is not a UUID`);
      participants.set(id, { id, purpose, attributes: { ...attributes } });
    }
    this.conversations.set(conversation.id, { id: conversation.id, participants });
  }

  conversation(id: string): SimulatorConversation | undefined {
    const conversation = this.conversations.get(id);
    return conversation === undefined ? undefined : this.view(conversation);
  }

  state(options: { includeEmpty?: boolean } = {}): SimulatorState {
    const state: SimulatorState = {};
    for (const conversation of this.conversations.values()) {
      for (const participant of conversation.participants.values()) {
        if (!options.includeEmpty && Object.keys(participant.attributes).length === 0) continue;
        (state[conversation.id] ??= {})[participant.id] = { ...participant.attributes };
      }
      if (options.includeEmpty) state[conversation.id] ??= {};
    }
    return state;
  }

  revokeToken(accessToken: string): boolean {
    const token = this.tokens.get(accessToken);
    if (token === undefined) return false;
    token.revoked = true;
    return true;
  }

  revokeAllTokens(): number {
    let live = 0;
    for (const token of this.tokens.values()) {
      if (!token.revoked && token.expiresAt > this.clock()) live += 1;
      token.revoked = true;
    }
    return live;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private view(conversation: Conversation): SimulatorConversation {
    return {
      id: conversation.id,
      participants: [...conversation.participants.values()].map((p) => ({ id: p.id, purpose: p.purpose, attributes: { ...p.attributes } })),
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private respond(res: ServerResponse, entry: LedgerEntry | undefined, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    if (entry !== undefined) {
      entry.status = status;
      this.ledger.record(entry);
    }
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...headers, ...(payload === '' ? {} : { 'content-type': 'application/json' }), 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }

  /** The Platform API error shape: `{message, code, status, contextId}`. */
  private apiError(res: ServerResponse, entry: LedgerEntry, status: number, message: string, headers: Record<string, string> = {}): void {
    const code = ERROR_CODES[status] ?? 'internal.server.error';
    this.respond(res, entry, status, { message, code, status, contextId: entry.correlationId, details: [], errors: [] }, headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = req.headers['inin-correlation-id'];
    const correlationId = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    res.setHeader('inin-correlation-id', correlationId);
    const entry: LedgerEntry = { time: this.clock(), method: req.method ?? 'GET', path: url.pathname, status: 0, correlationId };
    if (url.pathname.startsWith('/__sim/')) return this.handleInspection(req, res, url);
    if (url.pathname === '/oauth/token') return this.handleToken(req, res, entry);
    return this.handleApi(req, res, url, entry);
  }

  /** GET /__sim/ledger, GET /__sim/state[?all], POST /__sim/conversations: for people and tools; not in the ledger. */
  private async handleInspection(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/__sim/ledger') return this.respond(res, undefined, 200, this.ledger);
    if (req.method === 'GET' && url.pathname === '/__sim/state') {
      return this.respond(res, undefined, 200, this.state({ includeEmpty: url.searchParams.has('all') }));
    }
    if (req.method === 'POST' && url.pathname === '/__sim/conversations') {
      try {
        const body: unknown = JSON.parse(await readBody(req));
        const list = (Array.isArray(body) ? body : [body]) as SimulatorConversation[];
        for (const conversation of list) this.addConversation(conversation);
        return this.respond(res, undefined, 201, { added: list.length });
      } catch (error) {
        return this.respond(res, undefined, 400, { message: error instanceof Error ? error.message : String(error), code: 'bad.request', status: 400 });
      }
    }
    return this.respond(res, undefined, 404, { message: `no simulator endpoint ${req.method} ${url.pathname}`, code: 'not.found', status: 404 });
  }

  /** POST /oauth/token: client credentials, Basic auth; https://developer.genesys.cloud/authorization/platform-auth/use-client-credentials */
  private async handleToken(req: IncomingMessage, res: ServerResponse, entry: LedgerEntry): Promise<void> {
    const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}): void =>
      this.respond(res, entry, status, { error, description, error_description: description }, headers);
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'the token endpoint takes POST');
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      return oauthError(400, 'invalid_request', (error as Error).message);
    }
    if (this.tokenEndpoint.until <= this.clock()) this.tokenEndpoint = { mode: 'ok', until: Infinity };
    if (this.tokenEndpoint.mode === 'fail') {
      entry.injected = 'token-endpoint';
      return this.apiError(res, entry, 503, 'The service is currently unavailable');
    }
    const credentials = basicCredentials(req.headers.authorization);
    const client = this.clients.find((candidate) => candidate.clientId === credentials?.id);
    if (client !== undefined) entry.clientId = client.clientId;
    if (client === undefined || client.clientSecret !== credentials?.secret) return oauthError(401, 'invalid_client', 'client not found');
    if (this.tokenEndpoint.mode === 'refuse') {
      entry.injected = 'token-endpoint';
      return oauthError(401, 'invalid_client', 'client not found');
    }
    const decision = this.tokenWindow.take(client.clientId);
    if (!decision.allowed) return this.rateLimited(res, entry, decision, `client ${client.clientId}`);
    const grantType = new URLSearchParams(body).get('grant_type');
    if (grantType !== 'client_credentials') {
      return oauthError(400, grantType === null ? 'invalid_request' : 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    const accessToken = randomBytes(32).toString('base64url');
    const expiresIn = this.current.tokenExpiresIn;
    this.tokens.set(accessToken, {
      label: `token-${this.tokens.size + 1}`,
      clientId: client.clientId,
      expiresAt: this.clock() + expiresIn * 1000,
      revoked: false,
    });
    return this.respond(res, entry, 200, { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn });
  }

  private rateLimitHeaders(decision: WindowDecision): Record<string, string> {
    return {
      'inin-ratelimit-count': String(decision.count),
      'inin-ratelimit-allowed': String(decision.limit),
      'inin-ratelimit-reset': String(toRetryAfterSeconds(decision.resetMs)),
    };
  }

  /**
   * A 429 with Retry-After: the time until a slot frees, or `retryAfterSeconds` when set. The key (a token
   * label, a client) is held to it: the ledger marks a request that comes sooner.
   */
  private rateLimited(res: ServerResponse, entry: LedgerEntry, decision: WindowDecision, key: string, heldSeconds?: number): void {
    const fixed = this.current.retryAfterSeconds;
    const seconds = heldSeconds ?? (fixed === undefined ? toRetryAfterSeconds(decision.retryAfterMs) : Math.ceil(fixed));
    if (heldSeconds === undefined) this.retryAfterUntil.set(key, this.clock() + seconds * 1000);
    this.apiError(res, entry, 429, `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`, {
      ...this.rateLimitHeaders(decision),
      'retry-after': String(seconds),
    });
  }

  private latency(): number {
    const latency = this.current.latencyMs;
    if (typeof latency === 'number') return latency;
    return latency.min + this.latencies.next() * (latency.max - latency.min);
  }

  /** /api/v2/...: down → auth → per-token limit → injected timeout, latency, fault → the resource. */
  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, entry: LedgerEntry): Promise<void> {
    const segments = url.pathname.split('/').slice(1).map(decodeSegment);
    const isConversation = segments[0] === 'api' && segments[1] === 'v2' && segments[2] === 'conversations' && segments.length >= 4;
    if (isConversation) entry.conversationId = segments[3];
    if (isConversation && segments.length >= 6) entry.participantId = segments[5];

    if (this.current.down) {
      entry.injected = 'down';
      return this.apiError(res, entry, 503, 'The service is currently unavailable');
    }
    const accessToken = bearerToken(req.headers.authorization);
    const token = accessToken === undefined ? undefined : this.tokens.get(accessToken);
    if (token !== undefined) entry.token = token.label;
    if (token === undefined || token.revoked || token.expiresAt <= this.clock()) {
      return this.apiError(res, entry, 401, 'Invalid login credentials.');
    }
    const heldUntil = this.retryAfterUntil.get(token.label);
    if (heldUntil !== undefined && this.clock() < heldUntil) {
      // A request Genesys asked this token to hold back: the client did not honour Retry-After.
      entry.beforeRetryAfter = true;
      if (this.current.retryAfterSeconds !== undefined) {
        const waitMs = heldUntil - this.clock();
        const held: WindowDecision = { allowed: false, count: this.apiWindow.limit, limit: this.apiWindow.limit, retryAfterMs: waitMs, resetMs: waitMs };
        return this.rateLimited(res, entry, held, token.label, toRetryAfterSeconds(waitMs));
      }
    }
    const decision = this.apiWindow.take(token.label);
    if (!decision.allowed) return this.rateLimited(res, entry, decision, token.label);
    const headers = this.rateLimitHeaders(decision);

    if (this.timeouts.chance(this.current.timeoutRate)) {
      entry.injected = 'timeout';
      this.ledger.record(entry);
      await this.sleep(this.current.timeoutMs);
      res.destroy();
      return;
    }
    const delay = this.latency();
    if (delay > 0) await this.sleep(delay);
    if (this.faults.chance(this.current.faultRate)) {
      entry.injected = 'fault';
      const status = this.faults.pick(this.current.faultStatuses);
      return this.apiError(res, entry, status, `Injected fault ${status}`, headers);
    }

    if (isConversation && segments.length === 4 && req.method === 'GET') return this.getConversation(res, entry, headers);
    if (isConversation && segments.length === 7 && segments[4] === 'participants' && segments[6] === 'attributes' && req.method === 'PATCH') {
      return this.patchAttributes(req, res, entry, headers);
    }
    return this.apiError(res, entry, 404, `No resource for ${req.method} ${url.pathname}`, headers);
  }

  /** Resolves the conversation in the entry, or answers 400 / 403 / 404 and returns undefined. */
  private findConversation(res: ServerResponse, entry: LedgerEntry, headers: Record<string, string>): Conversation | undefined {
    const id = entry.conversationId ?? '';
    if (!isUuid(id)) {
      this.apiError(res, entry, 400, `The conversation id ${JSON.stringify(id)} is not a valid id`, headers);
      return undefined;
    }
    if (this.current.forbiddenConversations.has(id)) {
      this.apiError(res, entry, 403, 'You are not authorized to access this conversation', headers);
      return undefined;
    }
    const conversation = this.conversations.get(id);
    if (conversation === undefined) this.apiError(res, entry, 404, `The conversation ${id} was not found`, headers);
    return conversation;
  }

  private getConversation(res: ServerResponse, entry: LedgerEntry, headers: Record<string, string>): void {
    const conversation = this.findConversation(res, entry, headers);
    if (conversation === undefined) return;
    this.respond(res, entry, 200, { ...this.view(conversation), selfUri: `/api/v2/conversations/${conversation.id}` }, headers);
  }

  /** Genesys merges the given keys into the participant's attributes and answers 202 Accepted. */
  private async patchAttributes(req: IncomingMessage, res: ServerResponse, entry: LedgerEntry, headers: Record<string, string>): Promise<void> {
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      return this.apiError(res, entry, 400, (error as Error).message, headers);
    }
    const conversation = this.findConversation(res, entry, headers);
    if (conversation === undefined) return;
    const participantId = entry.participantId ?? '';
    if (!isUuid(participantId)) return this.apiError(res, entry, 400, `The participant id ${JSON.stringify(participantId)} is not a valid id`, headers);
    const participant = conversation.participants.get(participantId);
    if (participant === undefined) return this.apiError(res, entry, 404, `The participant ${participantId} was not found`, headers);

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.apiError(res, entry, 400, 'The request body is not valid JSON', headers);
    }
    const attributes = isRecord(body) ? body.attributes : undefined;
    if (!isRecord(attributes)) return this.apiError(res, entry, 400, 'attributes must be an object of string values', headers);
    const notString = Object.entries(attributes).find(([, value]) => typeof value !== 'string');
    if (notString !== undefined) return this.apiError(res, entry, 400, `attributes.${notString[0]} must be a string`, headers);

    const written = attributes as Record<string, string>;
    Object.assign(participant.attributes, written);
    this.ledger.recordWrite({ time: entry.time, conversationId: conversation.id, participantId, attributes: { ...written }, token: entry.token });
    this.respond(res, entry, 202, undefined, headers);
  }
}

/** Starts a simulator on 127.0.0.1 and resolves once it listens. */
export async function startGenesysSimulator(options: GenesysSimulatorOptions = {}): Promise<GenesysSimulator> {
  const simulator = new Simulator(options);
  await new Promise<void>((resolve, reject) => {
    simulator.server.once('error', reject);
    simulator.server.listen(options.port ?? 0, '127.0.0.1', () => {
      simulator.server.off('error', reject);
      resolve();
    });
  });
  simulator.port = (simulator.server.address() as AddressInfo).port;
  simulator.url = `http://127.0.0.1:${simulator.port}`;
  return simulator;
}
