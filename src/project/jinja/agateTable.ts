/**
 * An engine QueryResult shaped like the agate table dbt's `run_query` returns, enough for what
 * models realistically do: `results.columns[0].values()`, `results.rows` (rows index by position
 * and by column name), `results.column_names`, `results | length`.
 */
import type { CellValue, QueryResult } from '../../engine/adapter.js';

/** One agate column: its name and its values. */
export interface AgateColumn {
  readonly name: string;
  values(): unknown[];
}

/** What `run_query()` returns to a template. */
export interface AgateTable {
  readonly columns: AgateColumn[] & Record<string, AgateColumn>;
  readonly column_names: string[];
  readonly rows: unknown[][];
  readonly length: number;
  /** Prints nothing; present because dbt code calls `results.print_table()`. */
  print_table(): string;
}

function plain(v: CellValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Converts a query result to an agate-like table. */
export function toAgateTable(result: QueryResult): AgateTable {
  const names = result.columns.map((c) => c.name);
  const rows = result.rows.map((r) => {
    const row: unknown[] & Record<string, unknown> = r.map(plain) as unknown[] & Record<string, unknown>;
    names.forEach((n, i) => {
      if (!/^\d+$/.test(n) && !(n in Array.prototype)) row[n] = row[i];
    });
    return row;
  });
  const columns = names.map((name, i) => ({ name, values: () => rows.map((r) => r[i]) })) as AgateColumn[] & Record<string, AgateColumn>;
  for (const c of [...columns]) if (!/^\d+$/.test(c.name) && !(c.name in Array.prototype)) columns[c.name] = c;
  return { columns, column_names: names, rows, length: rows.length, print_table: () => '' };
}
