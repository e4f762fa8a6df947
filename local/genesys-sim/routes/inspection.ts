/** GET /__sim/ledger, GET /__sim/state[?all], POST /__sim/conversations: for people and tools; not rate limited, not in the ledger. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorContext } from '../context.js';
import type { SimulatorConversation } from '../conversations.js';
import { readBody } from '../http.js';
import { INSPECTION_PREFIX } from '../paths.js';
import { sendJson } from '../reply.js';

async function addConversations(context: SimulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body: unknown = JSON.parse(await readBody(req));
    const list = (Array.isArray(body) ? body : [body]) as SimulatorConversation[];
    for (const conversation of list) context.conversations.add(conversation);
    return sendJson(res, 201, { added: list.length });
  } catch (error) {
    return sendJson(res, 400, { message: error instanceof Error ? error.message : String(error), code: 'bad.request', status: 400 });
  }
}

/** Answers one inspection request. */
export async function handleInspection(context: SimulatorContext, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
  const endpoint = `${req.method} ${url.pathname.slice(INSPECTION_PREFIX.length)}`;
  if (endpoint === 'GET ledger') return sendJson(res, 200, context.ledger);
  if (endpoint === 'GET state') return sendJson(res, 200, context.conversations.state({ includeEmpty: url.searchParams.has('all') }));
  if (endpoint === 'POST conversations') return addConversations(context, req, res);
  return sendJson(res, 404, { message: `no simulator endpoint ${req.method} ${url.pathname}`, code: 'not.found', status: 404 });
}
