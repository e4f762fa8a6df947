/** Answers in Genesys' shapes (JSON, the Platform API error, the OAuth error), each recorded in the ledger. */
import type { ServerResponse } from 'node:http';
import type { Ledger, LedgerEntry } from './ledger.js';

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

/** Writes `body` as JSON (nothing when undefined) with its length. */
export function sendJson(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(payload === '' ? {} : { 'content-type': 'application/json' }), 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** The answer to one request of the ledger: whatever it is, the entry is recorded with its status. */
export class Reply {
  constructor(
    private readonly res: ServerResponse,
    readonly entry: LedgerEntry,
    private readonly ledger: Ledger,
  ) {}

  send(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.entry.status = status;
    this.ledger.record(this.entry);
    sendJson(this.res, status, body, headers);
  }

  /** The Platform API error shape: `{message, code, status, contextId}`. */
  apiError(status: number, message: string, headers: Record<string, string> = {}, code: string = ERROR_CODES[status] ?? 'internal.server.error'): void {
    this.send(status, { message, code, status, contextId: this.entry.correlationId, details: [], errors: [] }, headers);
  }

  /** The OAuth error shape of the token endpoint (RFC 6749 §5.2, plus Genesys' `description`). */
  oauthError(status: number, error: string, description: string): void {
    this.send(status, { error, description, error_description: description });
  }

  /** Genesys' 429: its message names the Retry-After the headers carry. */
  tooManyRequests(seconds: number, headers: Record<string, string>): void {
    this.apiError(429, `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`, headers);
  }

  /** Records the request as unanswered (status 0), waits, then closes the connection without a word. */
  async hangUpAfter(wait: Promise<void>): Promise<void> {
    this.ledger.record(this.entry);
    await wait;
    this.res.destroy();
  }
}
