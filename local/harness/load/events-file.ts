/**
 * Reads a user's own events for `npm start -- --events-file`: EventBridge events with their full
 * envelope (as in tests/fixtures/genesys-events) or PutEvents entries, as JSON or JSON lines.
 */
import { readFileSync } from 'node:fs';
import { isRecord } from '../../../functions/shared/events.js';
import type { EventEntry } from './entry.js';

function toEntry(item: unknown, where: string): EventEntry {
  if (!isRecord(item)) throw new TypeError(`${where} is not a JSON object`);
  const envelope = 'detail-type' in item || 'source' in item;
  const source = envelope ? item.source : item.Source;
  const detailType = envelope ? item['detail-type'] : item.DetailType;
  const detail = envelope ? item.detail : item.Detail;
  const time = envelope ? item.time : item.Time;
  if (typeof source !== 'string' || typeof detailType !== 'string') {
    throw new TypeError(`${where} is neither an EventBridge event (source, detail-type, detail) nor a PutEvents entry (Source, DetailType, Detail)`);
  }
  const entry: EventEntry = { Source: source, DetailType: detailType, Detail: typeof detail === 'string' ? detail : JSON.stringify(detail ?? {}) };
  if (!envelope && typeof item.EventBusName === 'string') entry.EventBusName = item.EventBusName;
  const resources = envelope ? item.resources : item.Resources;
  if (Array.isArray(resources) && resources.length > 0) entry.Resources = resources.map(String);
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : undefined;
  if (date !== undefined && !Number.isNaN(date.getTime())) entry.Time = date;
  return entry;
}

function jsonLines(text: string, path: string): EventEntry[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), where: `${path}:${index + 1}` }))
    .filter(({ line }) => line !== '')
    .map(({ line, where }) => {
      let item: unknown;
      try {
        item = JSON.parse(line);
      } catch (error) {
        throw new SyntaxError(`${where} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      return toEntry(item, where);
    });
}

/**
 * Reads a user's own events: a JSON array (or a single object) of EventBridge events — the full
 * envelope, as in tests/fixtures/genesys-events — or of PutEvents entries, or the same as JSON lines.
 * @throws naming the item or line that is neither.
 */
export function loadEventsFile(path: string): EventEntry[] {
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') return [];
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return jsonLines(text, path);
  }
  return Array.isArray(whole) ? whole.map((item, index) => toEntry(item, `${path} item ${index + 1}`)) : [toEntry(whole, path)];
}
