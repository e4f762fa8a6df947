/**
 * /api/v2/...: the checks Genesys makes before it reaches a resource, in its order: down → token →
 * rate limit (per token or client, and per route) → injected timeout, latency, fault → the resource (routes/conversations.ts, routes/datatables.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { SimulatorContext } from '../context.js';
import { apiTargetOf, routeOf } from '../paths.js';
import type { Reply } from '../reply.js';
import { getConversation, patchAttributes, putTags } from './conversations.js';
import { writeRow } from './datatables.js';

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

/** Injected timeout, latency and fault, in that order; true when one of them answered. */
async function injectTrouble(context: SimulatorContext, reply: Reply, headers: Record<string, string>): Promise<boolean> {
  if (context.faults.timesOut(context.settings.timeoutRate)) {
    reply.entry.injected = 'timeout';
    await reply.hangUpAfter(context.delays.sleep(context.settings.timeoutMs));
    return true;
  }
  const delay = context.faults.delayMs(context.settings.latencyMs);
  if (delay > 0) await context.delays.sleep(delay);
  const status = context.faults.faultStatus(context.settings.faultRate, context.settings.faultStatuses);
  if (status === undefined) return false;
  reply.entry.injected = 'fault';
  reply.apiError(status, `Injected fault ${status}`, headers);
  return true;
}

/** Answers an API request; every answer past the token check carries the `inin-ratelimit-*` headers. */
export async function handleApi(context: SimulatorContext, req: IncomingMessage, url: URL, reply: Reply): Promise<void> {
  const target = apiTargetOf(url.pathname);
  const { entry } = reply;
  if (target.conversationId !== undefined) entry.conversationId = target.conversationId;
  if (target.participantId !== undefined) entry.participantId = target.participantId;
  if (context.settings.down) {
    entry.injected = 'down';
    return reply.apiError(503, 'The service is currently unavailable');
  }
  const token = context.tokens.find(bearerToken(req.headers.authorization));
  if (token !== undefined) entry.token = token.label;
  if (token === undefined || !context.tokens.isLive(token)) return reply.apiError(401, 'Invalid login credentials.');
  const admission = context.limits.admitApi({ tokenLabel: token.label, clientId: token.clientId, route: routeOf(req.method ?? 'GET', target, url.pathname) });
  // A request Genesys asked this token to hold back: the client did not honour Retry-After.
  if (admission.early) entry.beforeRetryAfter = true;
  if (!admission.allowed) return reply.tooManyRequests(admission.seconds, admission.headers);
  const { headers } = admission;
  if (await injectTrouble(context, reply, headers)) return;
  if (target.resource === 'conversation' && req.method === 'GET') return getConversation(context, reply, headers);
  if (target.resource === 'attributes' && req.method === 'PATCH') return patchAttributes(context, req, reply, headers);
  if (target.resource === 'tags' && req.method === 'PUT') return putTags(context, req, reply, headers);
  if ((target.resource === 'datatableRow' && req.method === 'PUT') || (target.resource === 'datatableRows' && req.method === 'POST')) return writeRow(context, req, target, reply, headers);
  return reply.apiError(404, `No resource for ${req.method} ${url.pathname}`, headers);
}
