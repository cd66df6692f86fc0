/** Reading a DuckDB file that a test built: rows of a query, integers as JS numbers. */
import { DuckDBInstance } from '@duckdb/node-api';

/** The rows of `sql` on the DuckDB file `file` (opened in a fresh instance and closed again). */
export async function queryFile(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
