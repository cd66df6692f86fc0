import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/engine/duckdb/driverError.js';
import { tempDir } from '../tempDir.js';

/** DuckDB's own message for `sql`. */
async function messageOf(sql: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    await con.run(sql);
    throw new Error(`expected ${sql} to fail`);
  } catch (e) {
    return (e as Error).message;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

describe('a DuckDB error on one line', () => {
  it('keeps the line of SQL it points at, its candidate bindings, and a CSV row and widths', async () => {
    expect(oneLine(await messageOf('select 1,,\nfrom x'))).toBe('Parser Error: syntax error at or near "," (LINE 1: select 1,,)');
    expect(oneLine(await messageOf('create table t(ab int); select abc from t'))).toBe('Binder Error: Referenced column "abc" not found in FROM clause! (Candidate bindings: "ab")');
    const csv = join(tempDir('stratum-csv-'), 'r.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4,5\n');
    const m = oneLine(await messageOf(`select * from read_csv('${csv}', header = true, columns = {'a': 'INTEGER', 'b': 'INTEGER'}, auto_detect = false)`));
    expect(m).toMatch(/^Invalid Input Error: CSV Error on Line: 3 \(Original Line: 3,4,5\) \(Expected Number of Columns: 2 Found: 3\)$/);
    expect(m).not.toContain('\n');
  });
});
