/**
 * What the simulator saw and did: every request it answered, every write it applied, and counters a
 * test or a load summary reads. Tokens appear by label (`token-1`, `token-2`, ...), never in clear.
 */
import { isLoginRequest } from './paths.js';

/** Why the simulator answered as it did, when an injected condition decided it. */
export type Injection = 'down' | 'fault' | 'timeout' | 'latency' | 'token-endpoint';

/** One request, as answered. */
export interface LedgerEntry {
  /** Clock time (epoch ms) the request arrived. */
  time: number;
  method: string;
  path: string;
  /** HTTP status; 0 when the simulator hung up without answering (injected timeout). */
  status: number;
  /** The bearer token's label, when the request carried a token the simulator issued. */
  token?: string;
  /** The OAuth client, on token requests that named a known client. */
  clientId?: string;
  conversationId?: string;
  participantId?: string;
  /** The `inin-correlation-id` the answer carried. */
  correlationId: string;
  injected?: Injection;
  /** Sent with a token before the Retry-After of an earlier 429 to that token had passed. */
  beforeRetryAfter?: true;
}

/** One PATCH the simulator merged into a participant's attributes. */
export interface AppliedWrite {
  time: number;
  conversationId: string;
  participantId: string;
  attributes: Record<string, string>;
  token?: string;
}

/** The ledger's counters, without the request list. */
export interface LedgerSummary {
  requests: number;
  /** Requests per status code (`"0"` for hung-up requests). */
  byStatus: Record<string, number>;
  /** Token requests per known client id, refused ones included. */
  tokenRequestsByClient: Record<string, number>;
  /** API requests per token label, refused ones included. */
  requestsByToken: Record<string, number>;
  /** Requests an injected condition decided, per injection. */
  injected: Record<string, number>;
  /** Requests sent with a token before the Retry-After Genesys had given it expired. */
  beforeRetryAfter: number;
  /** Writes applied. */
  writes: number;
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** The simulator's record of requests and writes. */
export class Ledger {
  readonly requests: LedgerEntry[] = [];
  readonly writes: AppliedWrite[] = [];
  readonly byStatus: Record<string, number> = {};
  readonly tokenRequestsByClient: Record<string, number> = {};
  readonly requestsByToken: Record<string, number> = {};
  readonly injected: Record<string, number> = {};
  beforeRetryAfter = 0;

  /** Records one answered request and updates the counters. */
  record(entry: LedgerEntry): void {
    this.requests.push(entry);
    bump(this.byStatus, String(entry.status));
    if (isLoginRequest(entry) && entry.clientId !== undefined) bump(this.tokenRequestsByClient, entry.clientId);
    if (entry.token !== undefined) bump(this.requestsByToken, entry.token);
    if (entry.injected !== undefined) bump(this.injected, entry.injected);
    if (entry.beforeRetryAfter === true) this.beforeRetryAfter += 1;
  }

  /** Records one applied write. */
  recordWrite(write: AppliedWrite): void {
    this.writes.push(write);
  }

  /** How many requests were answered with `status`. */
  count(status: number): number {
    return this.byStatus[String(status)] ?? 0;
  }

  /** The counters. */
  summary(): LedgerSummary {
    return {
      requests: this.requests.length,
      byStatus: { ...this.byStatus },
      tokenRequestsByClient: { ...this.tokenRequestsByClient },
      requestsByToken: { ...this.requestsByToken },
      injected: { ...this.injected },
      beforeRetryAfter: this.beforeRetryAfter,
      writes: this.writes.length,
    };
  }

  /** Forgets everything recorded (conversations and their attributes stay). */
  clear(): void {
    this.requests.length = 0;
    this.writes.length = 0;
    this.beforeRetryAfter = 0;
    for (const counter of [this.byStatus, this.tokenRequestsByClient, this.requestsByToken, this.injected]) {
      for (const key of Object.keys(counter)) delete counter[key];
    }
  }

  toJSON(): { summary: LedgerSummary; requests: LedgerEntry[]; writes: AppliedWrite[] } {
    return { summary: this.summary(), requests: this.requests, writes: this.writes };
  }
}
