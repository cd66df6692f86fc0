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

  it('reads a file with no quote (its fast path) as it reads one with quotes, at any delimiter', () => {
    // a quoted header field sends a text down the character-by-character path; the same rows
    // without it go down the line-by-line one
    const texts = ['1,ann,2\n2,bob,3\n', '1,ann,2\r\n\r\n2,bob,3', '1,ann\n2,bob,3\n', '\n1,ann,2\n\n2,bob\n3,c,d\n', '1,,2\n,,\n2,bob,3,\n', '1,ann,2', '1,ann\r\n'];
    for (const rows of texts) {
      for (const d of [',', ';']) {
        const t = rows.replaceAll(',', d);
        expect(raggedRow(`id${d}name${d}x\n${t}`, d), JSON.stringify(t)).toEqual(raggedRow(`"id"${d}name${d}x\n${t}`, d));
      }
    }
    expect(raggedRow('id,name,x\n1,ann\n')).toEqual({ line: 2, values: 2, columns: 3 });
    expect(raggedRow('id;name;x\n1;ann;2\n2;b,ob;3\n', ';')).toBeUndefined();
    expect(raggedRow('id;name;x\n\n1;ann;2;\n', ';')).toEqual({ line: 3, values: 4, columns: 3 });
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

describe('seed configs and odd files, as dbt-duckdb loads them', () => {
  /** A project of `files` on a DuckDB file of its own; runs `stratum seed` and returns the result and the tables' columns. */
  async function seed(files: Record<string, string>) {
    const dir = tempProject(files);
    const db = join(dir, 'w.duckdb');
    writeFileSync(join(dir, 'profiles.yml'), `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${db}'\n`);
    const res = await cli('seed', '--project-dir', dir, '--profiles-dir', dir);
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    const sql = "select table_name || '(' || string_agg(column_name || ':' || data_type, ', ' order by ordinal_position) || ')' from information_schema.columns group by table_name order by 1";
    const tables = (await con.runAndReadAll(sql)).getRows().map((r) => String(r[0]));
    const rows = tables.some((t) => t.startsWith('semi(')) ? (await con.runAndReadAll('select * from "semi" order by a')).getRowsJS() : [];
    con.closeSync();
    instance.closeSync();
    return { res, tables, rows };
  }

  it('splits fields at the seed\'s delimiter config', async () => {
    const { res, tables, rows } = await seed({
      'dbt_project.yml': 'name: demo\nprofile: demo\nconfig-version: 2\nseeds:\n  demo:\n    semi:\n      +delimiter: ";"\n',
      'seeds/semi.csv': 'a;b;c\n1;x, y;2.5\n2;z;3\n',
    });
    expect(res.code).toBe(0);
    expect(tables).toEqual(['semi(a:INTEGER, b:VARCHAR, c:DOUBLE)']);
    expect(rows).toEqual([[1, 'x, y', 2.5], [2, 'z', 3]]);
  });

  it('fails an empty seed file, as dbt does, and loads one with only a header', async () => {
    const { res, tables } = await seed({ 'seeds/empty.csv': '', 'seeds/header_only.csv': 'id,name\n' });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/ERROR loading seed file main\.empty .*\n/);
    expect(res.out).toMatch(/Failure in seed empty \(seeds\/empty\.csv\)\n.*  seeds\/empty\.csv: the seed file is empty/);
    // dbt: agate's type tester takes the first type, integer, for a column with no values
    expect(tables).toEqual(['header_only(id:INTEGER, name:INTEGER)']);
  });
});

describe('reloading a seed whose table exists', () => {
  it('keeps the table\'s columns unless --full-refresh, as dbt does: a changed header fails and leaves the rows', async () => {
    const dir = tempProject({ 'seeds/s.csv': 'id,name\n1,a\n' });
    const db = join(dir, 'w.duckdb');
    writeFileSync(join(dir, 'profiles.yml'), `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${db}'\n`);
    const seed = (...flags: string[]) => cli('seed', '--project-dir', dir, '--profiles-dir', dir, ...flags);
    const rows = async () => {
      const instance = await DuckDBInstance.create(db);
      const con = await instance.connect();
      const out = (await con.runAndReadAll('select * from s order by id')).getRowsJS();
      con.closeSync();
      instance.closeSync();
      return out;
    };
    expect((await seed()).code).toBe(0);
    // new rows, same header: emptied and reloaded
    writeFileSync(join(dir, 'seeds/s.csv'), 'id,name\n1,a\n3,c\n');
    expect((await seed()).out).toMatch(/OK loaded seed file main\.s \.+ \[INSERT 2 in/);
    expect(await rows()).toEqual([[1, 'a'], [3, 'c']]);
    // a new column: dbt copies the file into the table's two columns, which fails
    writeFileSync(join(dir, 'seeds/s.csv'), 'id,name,extra\n1,a,x\n2,b,y\n');
    expect((await seed()).code).toBe(1);
    expect(await rows()).toEqual([[1, 'a'], [3, 'c']]);
    expect((await seed('--full-refresh')).code).toBe(0);
    expect(await rows()).toEqual([[1, 'a', 'x'], [2, 'b', 'y']]);
  });
});
