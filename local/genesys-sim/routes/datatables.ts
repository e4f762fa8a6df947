/**
 * Architect data table rows, as the processor writes them: PUT /api/v2/flows/datatables/{id}/rows/{key} replaces
 * a row, POST /api/v2/flows/datatables/{id}/rows creates one. The body is the row, a flat map with its `key`
 * (developer.genesys.cloud, "Data tables"). Where Genesys' documentation is silent the simulator picks, and says
 * so in docs/actions.md: a PUT to a row that does not exist answers 404, a POST of a key that exists 409.
 */
import type { IncomingMessage } from 'node:http';
import { isRecord } from '../../../functions/shared/events.js';
import type { SimulatorContext } from '../context.js';
import type { StoredDataTable } from '../datatables.js';
import { readBody } from '../http.js';
import type { ApiTarget } from '../paths.js';
import type { Reply } from '../reply.js';

/** The row of the body, or the 400 message refusing it: string values only, every column in the table's schema. */
function rowOf(text: string, table: StoredDataTable): { key: string; row: Record<string, string> } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'The request body is not valid JSON';
  }
  if (!isRecord(body) || typeof body.key !== 'string') return 'The row must be an object with a string key';
  const unknown = Object.keys(body).find((column) => column !== 'key' && !table.columns.has(column));
  if (unknown !== undefined) return `The column ${JSON.stringify(unknown)} is not in the schema of data table ${table.id}`;
  const notString = Object.entries(body).find(([, value]) => typeof value !== 'string');
  return notString === undefined ? { key: body.key, row: body as Record<string, string> } : `The value of column ${JSON.stringify(notString[0])} does not match its type in the schema`;
}

/** PUT .../rows/{key} or POST .../rows. */
export async function writeRow(context: SimulatorContext, req: IncomingMessage, target: ApiTarget, reply: Reply, headers: Record<string, string>): Promise<void> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    return reply.apiError(400, (error as Error).message, headers);
  }
  const table = context.dataTables.find(target.datatableId ?? '');
  if (table === undefined) return reply.apiError(404, `The data table ${target.datatableId} was not found`, headers, 'flows.datatables.table.not.found');
  const parsed = rowOf(text, table);
  if (typeof parsed === 'string') return reply.apiError(400, parsed, headers, 'flows.datatables.syntax.error');
  const { key, row } = parsed;
  if (req.method === 'PUT') {
    if (key !== target.rowKey) return reply.apiError(400, `The row's key ${JSON.stringify(key)} is not the key in the path`, headers, 'flows.datatables.syntax.error');
    if (!table.rows.has(key)) return reply.apiError(404, `The row ${JSON.stringify(key)} was not found in data table ${table.id}`, headers, 'flows.datatables.row.not.found');
  } else if (table.rows.has(key)) {
    return reply.apiError(409, `A row with key ${JSON.stringify(key)} already exists in data table ${table.id}`, headers, 'flows.datatables.row.exists');
  }
  table.rows.set(key, row);
  reply.send(200, row, headers);
}
