/** The Architect data tables the simulator knows: each table's columns (its schema) and rows, as a row PUT or POST changes them. */
import { isUuid } from '../../functions/shared/events.js';

/** A data table the simulator knows: its id and the columns of its schema besides `key`. */
export interface SimulatorDataTable {
  id: string;
  columns: string[];
  /** Rows it starts with, by key. */
  rows?: Record<string, Record<string, string>>;
}

/** Rows per table and key: `{datatableId: {key: row}}`. */
export type DataTableState = Record<string, Record<string, Record<string, string>>>;

/** A table as stored. */
export interface StoredDataTable {
  id: string;
  columns: ReadonlySet<string>;
  rows: Map<string, Record<string, string>>;
}

/** The store; table ids must be UUIDs, as Genesys' are. */
export class DataTableStore {
  private readonly tables = new Map<string, StoredDataTable>();

  /** Registers (or replaces) a table; a RangeError when its id is not a UUID. */
  add(table: SimulatorDataTable): void {
    if (!isUuid(table.id)) throw new RangeError(`data table id ${JSON.stringify(table.id)} is not a UUID`);
    this.tables.set(table.id, { id: table.id, columns: new Set(table.columns), rows: new Map(Object.entries(table.rows ?? {}).map(([key, row]) => [key, { ...row }])) });
  }

  /** The stored table itself, for a route to read or change. */
  find(id: string): StoredDataTable | undefined {
    return this.tables.get(id);
  }

  /** Every table's rows, copied. */
  state(): DataTableState {
    return Object.fromEntries([...this.tables.values()].map((table) => [table.id, Object.fromEntries([...table.rows].map(([key, row]) => [key, { ...row }]))]));
  }
}
