/**
 * The Genesys Cloud Platform API calls the pipeline makes, with its error vocabulary:
 * GET /api/v2/conversations/{conversationId},
 * PATCH /api/v2/conversations/{conversationId}/participants/{participantId}/attributes
 * (https://developer.genesys.cloud/routing/conversations/conversations-apis),
 * PUT (else POST) /api/v2/flows/datatables/{datatableId}/rows[/{key}] (https://developer.genesys.cloud/routing/architect/data-tables)
 * and PUT /api/v2/conversations/{conversationId}/tags (the SDKs' putConversationTags, body ConversationTagsUpdate).
 *
 * Connections: Node's fetch (undici) keeps connections alive and reuses them across requests and
 * invocations of one execution environment by default, so there is no agent to configure.
 * Credentials: the token goes into the Authorization header only; no message, log line or error
 * context built here contains it.
 */
import {
  GenesysBadRequest,
  GenesysForbidden,
  GenesysNotFound,
  GenesysRateLimited,
  GenesysUnauthorized,
  GenesysUnavailable,
  InvalidEvent,
  type ErrorContext,
} from '../errors.js';
import { isUuid } from '../events.js';
import { countWithDimension, MetricName, MetricUnit, statusClassOf, type MetricsSink } from '../metrics-sink.js';
import { messageOf, reportedBudgetOf, requestIdOf, retryAfterSeconds, tryParseJson, unavailableFrom } from './http.js';
import type { RequestBudget } from './budget.js';
import { systemClock, type Clock } from './rate-limiter.js';
import { Route, type RouteName } from './routes.js';
import type { TokenSource } from './token.js';

/** A conversation participant as GET /api/v2/conversations/{id} returns it (fields not read are kept). */
export interface Participant {
  id: string;
  purpose?: string;
  [field: string]: unknown;
}

/** A conversation as GET /api/v2/conversations/{id} returns it. */
export interface Conversation {
  id: string;
  participants: Participant[];
  [field: string]: unknown;
}

/** Per-call options. */
export interface CallOptions {
  /** Milliseconds left in the Lambda invocation (`context.getRemainingTimeInMillis`); unbounded when absent. */
  remainingMs?: () => number;
}

/** The logger slice the client uses: a line per re-login and per 429 waited out. */
export interface ClientLogger {
  warn(message: string, attributes: Record<string, unknown>): void;
}

/** Options of a GenesysClient. */
export interface GenesysClientOptions {
  /** `https://api.{environment}` or the simulator. */
  apiBaseUrl: string;
  tokens: TokenSource;
  /** Leave to send: per token in this environment, or per OAuth client shared through DynamoDB. */
  budget: RequestBudget;
  requestTimeoutMs: number;
  /** A 429 whose Retry-After is at most this is waited out in place, once. */
  maxInPlaceRetryAfterSeconds: number;
  clock?: Clock;
  logger?: ClientLogger;
  /** Counts every request by status class (metric GenesysRequests). */
  metrics?: MetricsSink;
}

/** The Genesys calls the processor needs; implemented by GenesysClient, faked in tests if need be. */
export interface ConversationApi {
  getConversation(conversationId: string, options?: CallOptions): Promise<Conversation>;
  patchParticipantAttributes(conversationId: string, participantId: string, attributes: Record<string, string>, options?: CallOptions): Promise<void>;
  putDataTableRow(datatableId: string, key: string, values: Record<string, string>, options?: CallOptions): Promise<void>;
  putConversationTag(conversationId: string, externalTag: string, options?: CallOptions): Promise<void>;
}

interface Request {
  method: 'GET' | 'PATCH' | 'PUT' | 'POST';
  path: string;
  /** The path with ids replaced by their names, for messages and per-route limits. */
  route: RouteName;
  body?: unknown;
  expectJson: boolean;
}

/** Genesys Cloud Platform API client: held to its rate budget, one re-login on 401, one in-place wait on a short 429. */
export class GenesysClient implements ConversationApi {
  readonly #options: GenesysClientOptions;
  readonly #clock: Clock;
  #requests = 0;

  constructor(options: GenesysClientOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** API requests sent (retries included), for metrics and the bench. */
  get requestCount(): number {
    return this.#requests;
  }

  /**
   * Reads a conversation and its participants.
   * @throws InvalidEvent when the id is not a UUID; a Genesys.* error otherwise.
   */
  async getConversation(conversationId: string, options: CallOptions = {}): Promise<Conversation> {
    const id = uuid('conversationId', conversationId);
    const body = await this.#send({ method: 'GET', path: `/api/v2/conversations/${id}`, route: Route.getConversation, expectJson: true }, options);
    if (!isConversation(body)) {
      throw new GenesysUnavailable(`${Route.getConversation} answered without id and participants`);
    }
    return body;
  }

  /**
   * Merges `attributes` into a participant's attributes; any 2xx is success.
   * @throws InvalidEvent when an id is not a UUID; a Genesys.* error otherwise.
   */
  async patchParticipantAttributes(conversationId: string, participantId: string, attributes: Record<string, string>, options: CallOptions = {}): Promise<void> {
    const conversation = uuid('conversationId', conversationId);
    const participant = uuid('participantId', participantId);
    await this.#send(
      {
        method: 'PATCH',
        path: `/api/v2/conversations/${conversation}/participants/${participant}/attributes`,
        route: Route.patchAttributes,
        body: { attributes },
        expectJson: false,
      },
      options,
    );
  }

  /**
   * Writes a data table row as `values` say, creating it when it does not exist: PUT the row; a 404 (no such
   * row, or no such table) is answered by POSTing it, which a missing table answers 404 again. A row another
   * writer created meanwhile (POST 409) is PUT once more.
   * @throws InvalidEvent when the table id is not a UUID; a Genesys.* error otherwise (a column the table lacks is Genesys.BadRequest).
   */
  async putDataTableRow(datatableId: string, key: string, values: Record<string, string>, options: CallOptions = {}): Promise<void> {
    const table = uuid('datatableId', datatableId);
    // The key column of a data table is `key` (developer.genesys.cloud, "Data tables"); the row carries it too.
    const row = { ...values, key };
    const put: Request = {
      method: 'PUT',
      path: `/api/v2/flows/datatables/${table}/rows/${encodeURIComponent(key)}`,
      route: Route.putDataTableRow,
      body: row,
      expectJson: false,
    };
    try {
      await this.#send(put, options);
      return;
    } catch (error) {
      if (!(error instanceof GenesysNotFound)) throw error;
    }
    try {
      await this.#send({ method: 'POST', path: `/api/v2/flows/datatables/${table}/rows`, route: Route.postDataTableRow, body: row, expectJson: false }, options);
    } catch (error) {
      if (!(error instanceof GenesysUnavailable && error.status === 409)) throw error;
      await this.#send(put, options);
    }
  }

  /**
   * Sets the conversation's external tag.
   * @throws InvalidEvent when the id is not a UUID; a Genesys.* error otherwise.
   */
  async putConversationTag(conversationId: string, externalTag: string, options: CallOptions = {}): Promise<void> {
    const id = uuid('conversationId', conversationId);
    await this.#send({ method: 'PUT', path: `/api/v2/conversations/${id}/tags`, route: Route.putConversationTags, body: { externalTag }, expectJson: false }, options);
  }

  async #send(request: Request, options: CallOptions): Promise<unknown> {
    const { tokens, budget, maxInPlaceRetryAfterSeconds, logger } = this.#options;
    const remainingMs = options.remainingMs ?? (() => Infinity);
    let reloggedIn = false;
    let waitedOut = false;
    for (;;) {
      const token = await tokens.getToken();
      const budgeted = { token, route: request.route };
      await budget.acquire(budgeted, { maxWaitMs: Math.max(0, remainingMs() - this.#options.requestTimeoutMs) });
      const { response, text } = await this.#fetch(request, token);
      const allowed = reportedBudgetOf(response.headers);
      // Following is best effort: the request is done, and failing it now would only make the workflow repeat it.
      if (allowed !== undefined) await budget.follow(budgeted, allowed).catch(() => undefined);
      if (response.ok) return request.expectJson ? parseJson(text, request.route, response.headers) : undefined;

      const body = tryParseJson(text);
      const context: ErrorContext = { status: response.status, requestId: requestIdOf(response.headers, body) };
      if (response.status === 401) {
        tokens.invalidate(token);
        if (!reloggedIn) {
          reloggedIn = true;
          logger?.warn('Genesys answered 401: logging in again', { route: request.route, requestId: context.requestId });
          continue;
        }
        throw new GenesysUnauthorized(describe(request, response.status, body, 'after a fresh login'), context);
      }
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response.headers);
        // Nothing more on this budget before the time Genesys named, from any caller (the budget holds it).
        if (retryAfter !== undefined) await budget.holdOff(budgeted, retryAfter * 1000).catch(() => undefined);
        // Wait in place only when the wait and the retry both fit in the invocation; else the workflow or SQS waits.
        if (!waitedOut && retryAfter !== undefined && retryAfter <= maxInPlaceRetryAfterSeconds && retryAfter * 1000 + this.#options.requestTimeoutMs <= remainingMs()) {
          waitedOut = true;
          logger?.warn('Genesys answered 429: waiting Retry-After once', { route: request.route, retryAfterSeconds: retryAfter, requestId: context.requestId });
          continue;
        }
        throw new GenesysRateLimited(describe(request, 429, body), { ...context, retryAfterSeconds: retryAfter });
      }
      throw errorFor(response.status, describe(request, response.status, body), context);
    }
  }

  async #fetch(request: Request, token: string): Promise<{ response: Response; text: string }> {
    const timeoutMs = this.#options.requestTimeoutMs;
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    this.#requests += 1;
    const sentAt = this.#clock.now();
    try {
      // The timeout covers the body too: reading it aborts with the same signal.
      const response = await fetch(`${this.#options.apiBaseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      this.#count(response.status, sentAt);
      return { response, text };
    } catch (error) {
      this.#count(undefined, sentAt);
      throw unavailableFrom(error, request.route, timeoutMs);
    }
  }

  #count(status: number | undefined, sentAt: number): void {
    const { metrics } = this.#options;
    if (metrics === undefined) return;
    metrics.addMetric(MetricName.GenesysRequestLatency, MetricUnit.Milliseconds, Math.max(0, this.#clock.now() - sentAt));
    countWithDimension(metrics, MetricName.GenesysRequests, 'statusClass', statusClassOf(status));
  }
}

/** The error class for a non-2xx status other than 401 and 429 (docs/design.md, "Errors have names"). */
export function errorFor(status: number, message: string, context: ErrorContext): Error {
  if (status === 400 || status === 422) return new GenesysBadRequest(message, context);
  if (status === 403) return new GenesysForbidden(message, context);
  if (status === 404) return new GenesysNotFound(message, context);
  // 408 and 409 (a concurrent change of the conversation) can succeed on a retry; other 4xx cannot.
  if (status >= 500 || status === 408 || status === 409) return new GenesysUnavailable(message, context);
  return new GenesysBadRequest(message, context);
}

function describe(request: Request, status: number, body: unknown, extra?: string): string {
  const detail = [messageOf(body), extra].filter(Boolean).join('; ');
  return `Genesys answered ${status} to ${request.route}${detail ? `: ${detail}` : ''}`;
}

function parseJson(text: string, route: string, headers: Headers): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GenesysUnavailable(`${route} answered 2xx with a body that is not JSON`, { requestId: requestIdOf(headers), cause: error });
  }
}

/** Validates an id before it reaches a URL, and encodes it anyway. */
function uuid(field: string, value: unknown): string {
  if (!isUuid(value)) {
    const got = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
    throw new InvalidEvent(`${field} must be a UUID to reach Genesys, got ${got}`);
  }
  return encodeURIComponent(value);
}

function isConversation(value: unknown): value is Conversation {
  if (typeof value !== 'object' || value === null) return false;
  const { id, participants } = value as Record<string, unknown>;
  return typeof id === 'string' && Array.isArray(participants) && participants.every((p) => typeof p === 'object' && p !== null && typeof (p as Participant).id === 'string');
}
