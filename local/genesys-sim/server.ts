/**
 * Starts the Genesys Cloud simulator: the HTTP wiring and the routing table (inspection, token, API).
 *
 * The simulator is a real HTTP server on loopback that answers the three calls the processor makes
 * (OAuth client credentials, GET conversation, PATCH participant attributes) the way Genesys does,
 * limits included, and can be told to misbehave; or, given a `script`, answers as a test scripts it.
 * Contract: docs/design.md ("Genesys Cloud facts the code must respect"); README.md here.
 *
 * Time: the clock (option `clock`, default Date.now) measures real milliseconds. `timeScale` shrinks
 * the rate-limit minute: the rolling windows last 60000 / timeScale ms, so a test runs a "minute" of
 * traffic in 1/timeScale of the time. Retry-After and inin-ratelimit-reset are reported in real seconds
 * (how long a client must actually wait), rounded up, at least 1. Token lifetimes (`expires_in`) are
 * not scaled: a token lives the real seconds its `expires_in` says, so a client's cache is never lied to.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimulatorContext } from './context.js';
import { listenOnLoopback } from './http.js';
import type { LedgerEntry } from './ledger.js';
import { INSPECTION_PREFIX, TOKEN_PATH } from './paths.js';
import { Reply, sendJson } from './reply.js';
import { handleApi } from './routes/api.js';
import { handleInspection } from './routes/inspection.js';
import { handleToken } from './routes/oauth.js';
import { scriptedHandler } from './script.js';
import { Simulator, type GenesysSimulator, type GenesysSimulatorOptions } from './simulator.js';

export type { SimulatorConversation, SimulatorParticipant, SimulatorState } from './conversations.js';
export type { TokenEndpointMode } from './faults.js';
export type { Latency, SimulatorClient, SimulatorSettings } from './settings.js';
export type { GenesysSimulator, GenesysSimulatorOptions } from './simulator.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Echoes a well-formed `inin-correlation-id`, as Genesys does, or makes one. */
function correlationIdOf(req: IncomingMessage): string {
  const given = req.headers['inin-correlation-id'];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/** The routing table: inspection, the token endpoint, and everything else as the Platform API. */
function simulatedGenesys(context: SimulatorContext): Handler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const correlationId = correlationIdOf(req);
    res.setHeader('inin-correlation-id', correlationId);
    if (url.pathname.startsWith(INSPECTION_PREFIX)) return handleInspection(context, req, url, res);
    const entry: LedgerEntry = { time: context.clock(), method: req.method ?? 'GET', path: url.pathname, status: 0, correlationId };
    const reply = new Reply(res, entry, context.ledger);
    if (url.pathname === TOKEN_PATH) return handleToken(context, req, reply);
    return handleApi(context, req, url, reply);
  };
}

/** Starts a simulator on 127.0.0.1 and resolves once it listens. */
export async function startGenesysSimulator(options: GenesysSimulatorOptions = {}): Promise<GenesysSimulator> {
  const simulator = new Simulator(options);
  const handle = options.script === undefined ? simulatedGenesys(simulator.context) : scriptedHandler(options.script, simulator.context.delays);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error), code: 'internal.server.error', status: 500 });
    });
  });
  simulator.server = server;
  simulator.port = await listenOnLoopback(server, options.port ?? 0);
  simulator.url = `http://127.0.0.1:${simulator.port}`;
  return simulator;
}
