/** A seed CSV whose rows are not all as wide as its header: named at the line, as dbt names it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { raggedRow } from '../../src/run/seedExecutor.js';
import { cli } from '../cli.js';
import { tempProject } from '../project/helpers.js';

describe('raggedRow', () => {
  it('finds the first row of another width, reading quoted commas, quotes and line breaks as RFC 4180 does', () => {
    expect(raggedRow('id,name,x\n1,ann,2\n2,bob,3\n')).toBeUndefined();
    expect(raggedRow('id,name,x\r\n1,ann,2\r\n\r\n2,bob,3')).toBeUndefined();
    expect(raggedRow('id,name,x\n1,"a, ""b""\nc",2\n\n2,bob,3\n')).toBeUndefined();
    expect(raggedRow('id,name,x\n1,ann,2,9\n')).toEqual({ line: 2, values: 4, columns: 3 });
    expect(raggedRow('id,name,x\n1,"a,\nb",2\n2,bob\n')).toEqual({ line: 4, values: 2, columns: 3 });
  });
});

describe('stratum seed', () => {
  it('fails a ragged seed naming its file and line, and leaves the loaded table as it was', async () => {
    const dir = tempProject({ 'seeds/people.csv': 'id,name,x\n1,ann,2\n2,bob,3\n' });
    const db = join(dir, 'w.duckdb');
    writeFileSync(join(dir, 'profiles.yml'), `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${db}'\n`);
    expect((await cli('seed', '--project-dir', dir, '--profiles-dir', dir)).code).toBe(0);
    writeFileSync(join(dir, 'seeds/people.csv'), 'id,name,x\n1,ann,2\n2,bob,3,4\n');
    const r = await cli('seed', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\n.*  seeds\/people\.csv: the row on line 3 has 4 values, but the header has 3 columns\n/);
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    expect((await con.runAndReadAll('select count(*)::integer from people')).getRows()).toEqual([[2]]);
    con.closeSync();
    instance.closeSync();
  });
});
