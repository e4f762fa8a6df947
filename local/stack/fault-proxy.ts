/**
 * A loopback HTTP proxy in front of the AWS services the functions call (moto, and the local Step
 * Functions endpoint through a route) that fails, stalls or corrupts chosen actions for a stretch, and
 * forwards everything else untouched. The local stack points the functions' endpoints and queue URLs at
 * it (option `functionsProxy`), so the functions meet the faults while the stack's own provisioning and
 * inspection talk to moto directly.
 *
 * An action is named by the `X-Amz-Target` header of the JSON protocols (`DynamoDB_20120810.PutItem`,
 * `secretsmanager.GetSecretValue`, `AmazonSQS.SendMessage`, `AWSStepFunctions.StartSyncExecution`) or by
 * `Action=` of the query protocol. A rule matches the action's short name (`PutItem`) or the whole target.
 * Fault answers have the shape the SDK parses, so its own retries run as they would against AWS, and the
 * proxy counts them from the `amz-sdk-request: attempt=N` header every SDK v3 request carries:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * How a matching request is answered:
 * - `throttle`: 400 ThrottlingException, without reaching the service;
 * - `error`: 500 InternalServerError, without reaching the service;
 * - `stall`: no answer for `stallMs` (default 10 minutes), then the connection is dropped: a call that
 *   hangs. The service never sees it;
 * - `fail-after`: forwarded, and the service's answer replaced by a 500: the work was done, the caller
 *   is told it failed (a lost answer, a save that landed but reads as failed).
 */
export type FaultKind = 'throttle' | 'error' | 'stall' | 'fail-after';

/** One fault: which actions, how, for how long, and for what share of them. */
export interface FaultRule {
  /** Action short names (`GetSecretValue`, `PutItem`) or whole targets (`DynamoDB_20120810.PutItem`). */
  actions: readonly string[];
  kind: FaultKind;
  /** How long from now the rule holds; default until `clear()`. */
  forMs?: number;
  /** Share of matching requests answered with the fault (default 1). */
  rate?: number;
  /** `stall` only: how long a stalled request is held before its connection is dropped. */
  stallMs?: number;
}

/** Where requests whose X-Amz-Target starts with `targetPrefix` go instead of the default upstream. */
export interface ProxyRoute {
  targetPrefix: string;
  upstream: string;
}

/** What the proxy did. */
export interface FaultProxyStats {
  forwarded: number;
  /** Faults answered, per action short name. */
  injected: Record<string, number>;
  /** Requests seen, per action short name. */
  seen: Record<string, number>;
  /** Requests that were an SDK's own retry (attempt ≥ 2), per action short name. */
  retried: Record<string, number>;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL should name. */
  readonly endpoint: string;
  /** Adds a rule; rules are checked in order, the first that matches answers. */
  inject(rule: FaultRule): void;
  /** Sends requests of one X-Amz-Target prefix (`AWSStepFunctions.`) to another upstream. */
  route(route: ProxyRoute): void;
  /** Drops every rule. */
  clear(): void;
  stats(): FaultProxyStats;
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  until: number;
}

/** The action of a request: `{service, action}` from X-Amz-Target, else from the query protocol's Action. */
export function actionOf(headers: IncomingMessage['headers'], body: string, url: string): { target: string; action: string } | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target !== '') {
    const dot = target.lastIndexOf('.');
    return { target, action: dot < 0 ? target : target.slice(dot + 1) };
  }
  const query = new URL(url, 'http://local').searchParams.get('Action');
  const form = String(headers['content-type'] ?? '').includes('x-www-form-urlencoded') ? new URLSearchParams(body).get('Action') : null;
  const action = form ?? query;
  return action === null ? undefined : { target: action, action };
}

function jsonProtocol(headers: IncomingMessage['headers']): string | undefined {
  const type = String(headers['content-type'] ?? '');
  return type.startsWith('application/x-amz-json') ? type : undefined;
}

/** The SDK's attempt number of a request (`amz-sdk-request: attempt=2; max=3`); 1 when absent. */
export function attemptOf(headers: IncomingMessage['headers']): number {
  const match = /attempt=(\d+)/.exec(String(headers['amz-sdk-request'] ?? ''));
  return match === null ? 1 : Number(match[1]);
}

/** The error answer the SDK expects for the protocol the request used. */
function answerFault(res: ServerResponse, kind: 'throttle' | 'error', headers: IncomingMessage['headers']): void {
  const [status, code, message] =
    kind === 'throttle' ? [400, 'ThrottlingException', 'Rate exceeded (injected by the fault proxy)'] : [500, 'InternalServerError', 'Internal error (injected by the fault proxy)'];
  const requestId = randomUUID();
  const json = jsonProtocol(headers);
  if (json !== undefined) {
    const body = JSON.stringify({ __type: code, message });
    res.writeHead(status, { 'content-type': json, 'x-amzn-errortype': code, 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const queryCode = kind === 'throttle' ? 'Throttling' : 'InternalFailure';
  const body = `<ErrorResponse><Error><Type>${kind === 'throttle' ? 'Sender' : 'Receiver'}</Type><Code>${queryCode}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** How long a stalled request is held by default: longer than any function timeout. */
const DEFAULT_STALL_MS = 600_000;

/** The rules in force, in the order added; a rule past its `forMs` is dropped when next looked at. */
class FaultRules {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const rate = rule.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate must be between 0 and 1, got ${rate}`);
    this.rules.push({ ...rule, until: rule.forMs === undefined ? Infinity : Date.now() + rule.forMs });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule in force that names the action. */
  match(found: { target: string; action: string }): ActiveRule | undefined {
    const now = Date.now();
    this.rules = this.rules.filter((rule) => rule.until > now);
    return this.rules.find((rule) => rule.actions.some((name) => name === found.action || name === found.target));
  }
}

/** What one proxy holds: its rules and routes, the requests it stalls, and its counters. */
interface ProxyState {
  defaultTarget: URL;
  random: () => number;
  rules: FaultRules;
  routes: ProxyRoute[];
  stalled: Set<NodeJS.Timeout>;
  stats: FaultProxyStats;
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

function upstreamOf(state: ProxyState, found: { target: string } | undefined): URL {
  const route = found === undefined ? undefined : state.routes.find((candidate) => found.target.startsWith(candidate.targetPrefix));
  return route === undefined ? state.defaultTarget : new URL(route.upstream);
}

/** Forwards the request upstream; with `failAfter`, the upstream's answer is read and replaced by a 500. */
function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, target: URL, failAfter: boolean): void {
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (answer) => {
      if (failAfter) {
        answer.resume();
        answer.on('end', () => answerFault(res, 'error', req.headers));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`fault proxy: upstream failed: ${error.message}`);
  });
  upstream.end(body);
}

/** Holds the request unanswered for `stallMs`, then drops its connection. */
function stall(state: ProxyState, res: ServerResponse, stallMs: number): void {
  const timer = setTimeout(() => {
    state.stalled.delete(timer);
    res.destroy();
  }, stallMs);
  state.stalled.add(timer);
  res.on('close', () => {
    clearTimeout(timer);
    state.stalled.delete(timer);
  });
}

/** Counts the request, then answers it with the first matching rule's fault or forwards it. */
function handle(state: ProxyState, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const found = actionOf(req.headers, body.toString('utf8'), req.url ?? '/');
  const relay = (failAfter: boolean): void => {
    state.stats.forwarded += 1;
    forward(req, res, body, upstreamOf(state, found), failAfter);
  };
  if (found === undefined) return relay(false);
  bump(state.stats.seen, found.action);
  if (attemptOf(req.headers) > 1) bump(state.stats.retried, found.action);
  const rule = state.rules.match(found);
  if (rule === undefined || state.random() >= (rule.rate ?? 1)) return relay(false);
  bump(state.stats.injected, found.action);
  if (rule.kind === 'fail-after') return relay(true);
  if (rule.kind === 'stall') return stall(state, res, rule.stallMs ?? DEFAULT_STALL_MS);
  answerFault(res, rule.kind, req.headers);
}

/** Starts the proxy on 127.0.0.1 in front of `target` (moto's endpoint). */
export async function startFaultProxy(options: { target: string; port?: number; random?: () => number }): Promise<FaultProxy> {
  const state: ProxyState = {
    defaultTarget: new URL(options.target),
    random: options.random ?? Math.random,
    rules: new FaultRules(),
    routes: [],
    stalled: new Set(),
    stats: { forwarded: 0, injected: {}, seen: {}, retried: {} },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(state, req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const { stats } = state;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject: (rule) => state.rules.add(rule),
    route(route) {
      state.routes.push(route);
    },
    clear: () => state.rules.clear(),
    stats: () => ({ forwarded: stats.forwarded, injected: { ...stats.injected }, seen: { ...stats.seen }, retried: { ...stats.retried } }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of state.stalled) clearTimeout(timer);
        state.stalled.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
