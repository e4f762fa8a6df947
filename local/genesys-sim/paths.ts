/** Where the simulator answers what: the OAuth token path, the conversation API paths and its own inspection prefix. */
import { Route } from '../../functions/shared/genesys/routes.js';

/** Where a client logs in with its client credentials (login.{environment}/oauth/token). */
export const TOKEN_PATH = '/oauth/token';

/** The simulator's own endpoints (inspection and set-up), outside anything Genesys serves. */
export const INSPECTION_PREFIX = '/__sim/';

/** True for a request to the token endpoint (a login), false for an API request. */
export function isLoginRequest(request: { path: string }): boolean {
  return request.path === TOKEN_PATH;
}

/** What an API path names: one of the resources the processor calls, or something else. */
export interface ApiTarget {
  resource: 'conversation' | 'attributes' | 'tags' | 'datatableRows' | 'datatableRow' | 'unknown';
  /** The decoded data table id and row key of a data table path. */
  datatableId?: string;
  rowKey?: string;
  /** The decoded segment in the conversation's place, whatever the resource. */
  conversationId?: string;
  /** The decoded segment in the participant's place, whatever the resource. */
  participantId?: string;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `/api/v2/flows/datatables/{id}/rows[/{key}]`. */
function datatableTargetOf(segments: readonly string[]): ApiTarget {
  const [, , , , datatableId, rows, rowKey] = segments;
  if (rows !== 'rows' || segments.length < 6 || segments.length > 7) return { resource: 'unknown' };
  return segments.length === 6 ? { resource: 'datatableRows', datatableId } : { resource: 'datatableRow', datatableId, rowKey };
}

/**
 * Reads `/api/v2/conversations/{id}`, `.../tags`, `/api/v2/flows/datatables/{id}/rows[/{key}]` and `/api/v2/conversations/{id}/participants/{pid}/attributes`.
 * Segments are decoded one by one, so an encoded `/` stays inside its id and fails the UUID check.
 */
export function apiTargetOf(pathname: string): ApiTarget {
  const segments = pathname.split('/').slice(1).map(decodeSegment);
  const [api, version, collection, conversationId, participants, participantId, attributes] = segments;
  if (api === 'api' && version === 'v2' && collection === 'flows' && segments[3] === 'datatables') return datatableTargetOf(segments);
  if (api !== 'api' || version !== 'v2' || collection !== 'conversations' || segments.length < 4) return { resource: 'unknown' };
  const target: ApiTarget = { resource: 'unknown', conversationId };
  if (segments.length >= 6) target.participantId = participantId;
  if (segments.length === 4) target.resource = 'conversation';
  if (segments.length === 5 && participants === 'tags') target.resource = 'tags';
  if (segments.length === 7 && participants === 'participants' && attributes === 'attributes') target.resource = 'attributes';
  return target;
}

/**
 * The route a request names, as the processor's client names it in its messages and a resource limit is
 * configured: `METHOD /api/v2/...` with each id replaced by its name; `METHOD path` for any other path.
 */
export function routeOf(method: string, target: ApiTarget, pathname?: string): string {
  const pathOf = (route: string): string => route.slice(route.indexOf(' ') + 1);
  const routes: Record<ApiTarget['resource'], string | undefined> = {
    conversation: pathOf(Route.getConversation),
    attributes: pathOf(Route.patchAttributes),
    tags: pathOf(Route.putConversationTags),
    datatableRows: pathOf(Route.postDataTableRow),
    datatableRow: pathOf(Route.putDataTableRow),
    unknown: undefined,
  };
  return `${method} ${routes[target.resource] ?? pathname ?? 'unknown'}`;
}
