/**
 * The scripted mode, for unit tests of the Genesys client: every request is recorded and answered
 * from a per-route script instead of by the simulated Genesys. Unscripted routes answer 501, which the
 * client maps to Genesys.Unavailable, so a missing script shows up as a failure instead of a hang.
 *
 *   const script = new GenesysScript();
 *   const sim = await startGenesysSimulator({ script });
 *   script.script('PATCH', /\/attributes$/, { status: 401 }, { status: 202 });
 *   ... script.requests, script.requestsTo('POST', '/oauth/token') ...
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody, type Delays } from './http.js';
import { isLoginRequest, TOKEN_PATH } from './paths.js';

/** One scripted answer. `body` is sent as JSON unless it is a string (sent as is). */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (to exceed a client timeout). */
  delayMs?: number;
}

/** A request as the server saw it; `path` keeps the query string. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A fixed answer, or one made from the request. */
export type Responder = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

interface Route {
  method: string;
  path: string | RegExp;
  /** Answered in order; the last one repeats. */
  responses: Responder[];
}

function matches(route: { method: string; path: string | RegExp }, method: string, path: string): boolean {
  if (route.method !== method) return false;
  return typeof route.path === 'string' ? route.path === path : route.path.test(path);
}

/** The token route's default: a fresh token per login (`test-access-token-1`, ...), valid a day (Genesys' default lifetime). */
export function tokenResponder(expiresIn = 86_400): Responder {
  let issued = 0;
  return () => {
    issued += 1;
    return { status: 200, body: { access_token: `test-access-token-${issued}`, token_type: 'bearer', expires_in: expiresIn } };
  };
}

/** The script and the record of requests; the token route starts scripted to succeed. */
export class GenesysScript {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];

  constructor() {
    this.script('POST', TOKEN_PATH, tokenResponder());
  }

  /** Scripts a route; a later script for the same method and path replaces the earlier one. */
  script(method: string, path: string | RegExp, ...responses: Responder[]): void {
    const index = this.routes.findIndex((route) => route.method === method && String(route.path) === String(path));
    if (index >= 0) this.routes.splice(index, 1);
    this.routes.push({ method, path, responses });
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((request) => matches({ method, path }, request.method, request.path));
  }

  /** Token requests so far. */
  tokenRequests(): number {
    return this.requests.filter((request) => request.method === 'POST' && isLoginRequest(request)).length;
  }

  /** Records the request, then takes its route's next answer (501 when unscripted). */
  answer(request: RecordedRequest): ScriptedResponse {
    this.requests.push(request);
    const route = this.routes.find((candidate) => matches(candidate, request.method, request.path));
    const responder = route === undefined ? undefined : route.responses.length > 1 ? route.responses.shift() : route.responses[0];
    if (responder === undefined) return { status: 501, body: { message: `no scripted response for ${request.method} ${request.path}` } };
    return typeof responder === 'function' ? responder(request) : responder;
  }
}

/** The request handler of the scripted mode: record, answer from the script, after its delay if any. */
export function scriptedHandler(script: GenesysScript, delays: Delays): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const body = await readBody(req);
    const scripted = script.answer({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    if (scripted.delayMs) await delays.sleep(scripted.delayMs);
    if (res.destroyed) return;
    const payload = scripted.body === undefined ? '' : typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body);
    const headers: Record<string, string> = { ...scripted.headers };
    if (payload !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    res.writeHead(scripted.status, headers).end(payload);
  };
}
