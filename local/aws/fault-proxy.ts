/**
 * A loopback HTTP proxy in front of moto that answers chosen AWS actions with throttling or a 500 for
 * a stretch, and forwards everything else untouched. The local stack points the functions'
 * AWS_ENDPOINT_URL at it (option `functionsAwsEndpoint`), so the functions meet the faults while the
 * stack's own provisioning and inspection talk to moto directly.
 *
 * An action is named by the `X-Amz-Target` header of the JSON protocols (`DynamoDB_20120810.PutItem`,
 * `secretsmanager.GetSecretValue`, `AmazonSQS.SendMessage`) or by `Action=` of the query protocol. A
 * rule matches the action's short name (`PutItem`) or the whole target. The answers have the shape the
 * SDK parses, so its own retries (3 attempts, standard mode) run as they would against AWS:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 *
 * Caveat: the SQS client sends to the host of the QueueUrl unless its endpoint is set in code, so SQS
 * calls of the functions reach moto directly; fault SQS with rules only when the caller sets `endpoint`.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** How a matching request is answered: 400 ThrottlingException, or 500 InternalServerError. */
export type FaultKind = 'throttle' | 'error';

/** One fault: which actions, how, for how long, and for what share of them. */
export interface FaultRule {
  /** Action short names (`GetSecretValue`, `PutItem`) or whole targets (`DynamoDB_20120810.PutItem`). */
  actions: readonly string[];
  kind: FaultKind;
  /** How long from now the rule holds; default until `clear()`. */
  forMs?: number;
  /** Share of matching requests answered with the fault (default 1). */
  rate?: number;
}

/** What the proxy did. */
export interface FaultProxyStats {
  forwarded: number;
  /** Faults answered, per action short name. */
  injected: Record<string, number>;
  /** Requests seen, per action short name. */
  seen: Record<string, number>;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL should name. */
  readonly endpoint: string;
  /** Adds a rule; rules are checked in order, the first that matches answers. */
  inject(rule: FaultRule): void;
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

/** The error answer the SDK expects for the protocol the request used. */
function answerFault(res: ServerResponse, kind: FaultKind, headers: IncomingMessage['headers']): void {
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

/** Starts the proxy on 127.0.0.1 in front of `target` (moto's endpoint). */
export async function startFaultProxy(options: { target: string; port?: number; random?: () => number }): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = options.random ?? Math.random;
  let rules: ActiveRule[] = [];
  const stats: FaultProxyStats = { forwarded: 0, injected: {}, seen: {} };

  const ruleFor = (found: { target: string; action: string }): ActiveRule | undefined => {
    const now = Date.now();
    rules = rules.filter((rule) => rule.until > now);
    return rules.find((rule) => rule.actions.some((name) => name === found.action || name === found.target));
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    stats.forwarded += 1;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream failed: ${error.message}`);
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const found = actionOf(req.headers, body.toString('utf8'), req.url ?? '/');
      if (found !== undefined) {
        stats.seen[found.action] = (stats.seen[found.action] ?? 0) + 1;
        const rule = ruleFor(found);
        if (rule !== undefined && random() < (rule.rate ?? 1)) {
          stats.injected[found.action] = (stats.injected[found.action] ?? 0) + 1;
          answerFault(res, rule.kind, req.headers);
          return;
        }
      }
      forward(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject(rule) {
      const rate = rule.rate ?? 1;
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate must be between 0 and 1, got ${rate}`);
      rules.push({ ...rule, until: rule.forMs === undefined ? Infinity : Date.now() + rule.forMs });
    },
    clear() {
      rules = [];
    },
    stats: () => ({ forwarded: stats.forwarded, injected: { ...stats.injected }, seen: { ...stats.seen } }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
