/**
 * The Platform API routes the client calls, named as its messages and a deployment's per-route limits name
 * them, and the reading of those limits (GENESYS_ROUTE_REQUESTS_PER_MINUTE).
 */
import { ConfigurationError } from '../errors.js';

/** Each route the client calls: `METHOD /path` with every id replaced by its name. */
export const Route = {
  getConversation: 'GET /api/v2/conversations/{conversationId}',
  patchAttributes: 'PATCH /api/v2/conversations/{conversationId}/participants/{participantId}/attributes',
  putDataTableRow: 'PUT /api/v2/flows/datatables/{datatableId}/rows/{key}',
  postDataTableRow: 'POST /api/v2/flows/datatables/{datatableId}/rows',
  putConversationTags: 'PUT /api/v2/conversations/{conversationId}/tags',
} as const;

export type RouteName = (typeof Route)[keyof typeof Route];

const ROUTES: readonly string[] = Object.values(Route);

/** Requests per minute a route may take, for the routes that have a limit of their own. */
export type RouteLimits = Readonly<Partial<Record<RouteName, number>>>;

/**
 * Reads `ROUTE=N, ROUTE=N` (e.g. `PUT /api/v2/flows/datatables/{datatableId}/rows/{key}=100`); empty means none.
 * @throws ConfigurationError naming the entry at fault and the routes there are.
 */
export function parseRouteLimits(text: string | undefined, variable = 'GENESYS_ROUTE_REQUESTS_PER_MINUTE'): RouteLimits {
  const limits: Partial<Record<RouteName, number>> = {};
  for (const entry of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^(.+?)\s*=\s*(\d+)$/.exec(entry);
    const route = match?.[1]?.trim();
    const perMinute = Number(match?.[2]);
    if (route === undefined || !ROUTES.includes(route)) {
      throw new ConfigurationError(`${variable}: ${JSON.stringify(entry)} is not ROUTE=N with one of the routes the processor calls: ${ROUTES.join('; ')}`);
    }
    if (!(Number.isInteger(perMinute) && perMinute >= 1)) throw new ConfigurationError(`${variable}: the limit of ${route} must be a whole number of requests per minute ≥ 1, got ${match?.[2]}`);
    limits[route as RouteName] = perMinute;
  }
  return limits;
}
