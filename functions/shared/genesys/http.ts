/**
 * What the token endpoint and the Platform API have in common: reading Genesys' rate-limit and
 * correlation headers, and turning a failed fetch into GenesysUnavailable. Nothing here sees a token.
 */
import { GenesysUnavailable } from '../errors.js';

/**
 * `Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable.
 * Genesys sends delta-seconds: https://developer.genesys.cloud/platform/api/rate-limits
 */
export function retryAfterSeconds(headers: Headers, now: number = Date.now()): number | undefined {
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(raw)) return Math.ceil(Number(raw));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The budget Genesys applies to the token, as an answer reports it (`inin-ratelimit-allowed`); undefined when absent or not a whole number. */
export function reportedBudgetOf(headers: Headers): number | undefined {
  const allowed = headers.get('inin-ratelimit-allowed')?.trim();
  return allowed !== undefined && /^\d+$/.test(allowed) ? Number(allowed) : undefined;
}

/** Genesys' request id: the `inin-correlation-id` header, else the error body's `contextId`. */
export function requestIdOf(headers: Headers, body?: unknown): string | undefined {
  const header = headers.get('inin-correlation-id');
  if (header) return header;
  if (typeof body === 'object' && body !== null && typeof (body as { contextId?: unknown }).contextId === 'string') {
    return (body as { contextId: string }).contextId;
  }
  return undefined;
}

/** Genesys' error `message`, shortened; error bodies carry no credentials. */
export function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  if (typeof message !== 'string' || message === '') return undefined;
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** Parses a body as JSON, or undefined when it is not. */
export function tryParseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A fetch that failed before an answer: timeout (AbortSignal.timeout) or a connection error. */
export function unavailableFrom(error: unknown, what: string, timeoutMs: number): GenesysUnavailable {
  const name = field(error, 'name');
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  const reason = timedOut ? `no answer within ${timeoutMs} ms` : `connection failed (${field(field(error, 'cause'), 'code') ?? field(error, 'message') ?? 'unknown error'})`;
  return new GenesysUnavailable(`${what}: ${reason}`, { cause: error });
}

/**
 * A property of a thrown value, read without `instanceof`: fetch's errors (DOMException, undici's)
 * may come from another realm, e.g. under Jest's VM modules.
 */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
