/**
 * `stratum show`, as `dbt show` (dbt-core 1.10, dbt-duckdb 1.10) previews rows: agate's Markdown
 * table (ints plain, numbers grouped to at most 3 places, text cut to 20 characters, at most 6
 * columns) or its JSON, of a node's compiled SQL (ephemeral parents, sql_header) or of --inline SQL.
 * The expected outputs are dbt show's for the same queries; with dbt installed, dbt is run too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { tempProject } from '../project/helpers.js';
import { dbtEnv, hasDbt, warnIfNoDbt } from '../twoEngines.js';

const PROFILE = "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('STRATUM_TEST_DB') }}\"\n      threads: 1\n";

/** A project with a seed, an ephemeral model, a model with a sql_header reading it, and a test on it. */
function project(): string {
  return tempProject({
    'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\n',
    'profiles.yml': PROFILE,
    'seeds/s.csv': 'id,name\n1,a\n2,b\n3,\n4,d\n5,e\n6,f\n7,g\n',
    'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id, name from {{ ref('s') }}\n",
    'models/m.sql': `{{ config(sql_header="set variable k = 10;") }}\nselect id * getvariable('k') as k10, name from {{ ref('eph') }} order by id desc\n`,
    'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: name\n        tests: [not_null]\n',
  });
}

async function stratum(dir: string, ...args: string[]) {
  process.env.STRATUM_TEST_DB = join(dir, 'w.duckdb');
  try {
    return await cli(...args, '--project-dir', dir, '--profiles-dir', dir);
  } finally {
    delete process.env.STRATUM_TEST_DB;
  }
}

/** Two rows of most DuckDB types. */
const VALUES = String.raw`select 1 as i, 1234567 as big, 2.5::double as dbl, 1234.5678::double as dbl2, 12345.678::decimal(12,3) as dec, true as b, date '2024-01-05' as d, timestamp '2024-01-05 10:11:12.5' as ts, timestamptz '2024-01-05 10:11:12+00' as tstz, interval 1 day as iv, time '10:11:12' as t, 'abc' as s, '001' as s2, [1,2] as l, {'a': 1} as st, null as n, uuid '123e4567-e89b-12d3-a456-426614174000' as u, 'a very long text value that goes on and on' as lt, 1e20::double as huge, -0.5::double as neg, 'x'::blob as bl, 3::hugeint as hi, 0.1::float as fl, -1234.5::decimal(8,1) as negdec, 'Ω' as uni, 'a_really_long_column_name_here' as a_really_long_column_name_here, interval '1 month 2 days 03:04:05.5' as iv2, -0.0004::double as nz, 0.0005::decimal(5,4) as half, 0.0015::decimal(5,4) as half2, map {'k': 1} as mp, 'it''s' as q, time '10:11:12.5' as t2, 'a\xAA'::blob as bl2 union all select -20, null, null, 0.001, null, false, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 0, 'x', 'y', interval '-1 day', null, null, null, null, '', null, null`;
const GROUPS = ['i, big, dbl, dbl2, dec, b', 'd, ts, tstz, iv, t, s', 's2, l, st, n, u, lt', 'huge, neg, bl, hi, fl, negdec', 'uni, a_really_long_column_name_here, iv2, nz, half, half2', 'mp, q, t2, bl2'];

/** dbt show --inline "select <group> from (VALUES)" --limit -1, for each group. */
const DBT_TEXT = `Previewing inline node:
|   i |     big | dbl |       dbl2 |        dec |     b |
| --- | ------- | --- | ---------- | ---------- | ----- |
|   1 | 1234567 | 2.5 | 1,234.568… | 12,345.678 |  True |
| -20 |         |     |     0.001… |            | False |

Previewing inline node:
|          d |                   ts |                 tstz | iv             | t        | s   |
| ---------- | -------------------- | -------------------- | -------------- | -------- | --- |
| 2024-01-05 | 2024-01-05 10:11:... | 2024-01-05 10:11:... | 1 day, 0:00:00 | 10:11:12 | abc |
|            |                      |                      |                |          |     |

Previewing inline node:
| s2  | l      | st       | n | u                    | lt                   |
| --- | ------ | -------- | - | -------------------- | -------------------- |
| 001 | [1, 2] | {"a": 1} |   | 123e4567-e89b-12d... | a very long text ... |
|     |        |          |   |                      |                      |

Previewing inline node:
|                 huge |  neg | bl   | hi |     fl |   negdec |
| -------------------- | ---- | ---- | -- | ------ | -------- |
| 100,000,000,000,0... | -0.5 | b'x' |  3 | 0.100… | -1,234.5 |
|                      |      |      |    |        |      0.0 |

Previewing inline node:
| uni | a_really_long_col... | iv2                  |      nz |   half |  half2 |
| --- | -------------------- | -------------------- | ------- | ------ | ------ |
| Ω   | a_really_long_col... | 32 days, 3:04:05.... | -0.000… | 0.000… | 0.002… |
| x   | y                    | -1 day, 0:00:00      |         |        |        |

Previewing inline node:
| mp       | q    | t2              | bl2      |
| -------- | ---- | --------------- | -------- |
| {"k": 1} | it's | 10:11:12.500000 | b'a\\xaa' |
|          |      |                 |          |

`;

/** dbt show --inline "select * from (VALUES)" --limit -1 --output json. */
const DBT_JSON = String.raw`{
  "show": [
    {
      "i": 1,
      "big": 1234567,
      "dbl": 2.5,
      "dbl2": 1234.5678,
      "dec": 12345.678,
      "b": true,
      "d": "2024-01-05",
      "ts": "2024-01-05T10:11:12.500000",
      "tstz": "2024-01-05T10:11:12+00:00",
      "iv": "1 day, 0:00:00",
      "t": "10:11:12",
      "s": "abc",
      "s2": "001",
      "l": "[1, 2]",
      "st": "{\"a\": 1}",
      "n": null,
      "u": "123e4567-e89b-12d3-a456-426614174000",
      "lt": "a very long text value that goes on and on",
      "huge": 1e+20,
      "neg": -0.5,
      "bl": "b'x'",
      "hi": 3,
      "fl": 0.10000000149011612,
      "negdec": -1234.5,
      "uni": "\u03a9",
      "a_really_long_column_name_here": "a_really_long_column_name_here",
      "iv2": "32 days, 3:04:05.500000",
      "nz": -0.0004,
      "half": 0.0005,
      "half2": 0.0015,
      "mp": "{\"k\": 1}",
      "q": "it's",
      "t2": "10:11:12.500000",
      "bl2": "b'a\\xaa'"
    },
    {
      "i": -20,
      "big": null,
      "dbl": null,
      "dbl2": 0.001,
      "dec": null,
      "b": false,
      "d": null,
      "ts": null,
      "tstz": null,
      "iv": null,
      "t": null,
      "s": null,
      "s2": null,
      "l": null,
      "st": null,
      "n": null,
      "u": null,
      "lt": null,
      "huge": null,
      "neg": null,
      "bl": null,
      "hi": null,
      "fl": null,
      "negdec": 0.0,
      "uni": "x",
      "a_really_long_column_name_here": "y",
      "iv2": "-1 day, 0:00:00",
      "nz": null,
      "half": null,
      "half2": null,
      "mp": null,
      "q": "",
      "t2": null,
      "bl2": null
    }
  ]
}
`;

/** Nested values of most element types. */
const NESTED = String.raw`select [date '2024-01-01'] as ld, [1.5::decimal(4,2), 2.00] as ldec, [5::bigint] as lb, {'t': timestamp '2024-01-05 10:11:12.5', 'b': true, 'n': null, 'd': 2.5::double, 'x': 'a b'} as st, map {'k': date '2024-01-02'} as mp, [[1,2],[3]] as nested, [interval 1 day] as liv, ['x'::blob] as lbl, [time '10:11:12.5'] as lt, {'a b': 1, 'tz': timestamptz '2024-01-05 10:11:12+00'} as qs, null::int[] as nl`;

/** dbt show --inline NESTED --output json. */
const DBT_NESTED_JSON = String.raw`{
  "show": [
    {
      "ld": "[\"2024-01-01\"]",
      "ldec": "[1.5, 2.0]",
      "lb": "[5]",
      "st": "{\"t\": \"2024-01-05T10:11:12.500000\", \"b\": true, \"n\": null, \"d\": 2.5, \"x\": \"a b\"}",
      "mp": "{\"k\": \"2024-01-02\"}",
      "nested": "[[1, 2], [3]]",
      "liv": "[\"1 day, 0:00:00\"]",
      "lbl": "[\"b'x'\"]",
      "lt": "[\"10:11:12.500000\"]",
      "qs": "{\"a b\": 1, \"tz\": \"2024-01-05T10:11:12+00:00\"}",
      "nl": null
    }
  ]
}
`;

describe('stratum show', () => {
  warnIfNoDbt('dbt show comparison');

  it('prints every type as dbt show does: the table and the JSON', async () => {
    const dir = project();
    let text = '';
    for (const cols of GROUPS) {
      const r = await stratum(dir, 'show', '--inline', `select ${cols} from (${VALUES})`, '--limit', '-1');
      expect(r.code, r.err).toBe(0);
      text += r.out;
    }
    expect(text).toBe(DBT_TEXT);
    const j = await stratum(dir, 'show', '--inline', `select * from (${VALUES})`, '--limit=-1', '--output', 'json');
    expect(j.out).toBe(DBT_JSON);
  });

  it('prints nested values (lists, structs, maps of dates, decimals, timestamps, intervals, blobs, times) as dbt show does', async () => {
    const r = await stratum(project(), 'show', '--inline', NESTED, '--output', 'json');
    expect(r.out).toBe(DBT_NESTED_JSON);
  });

  it.skipIf(!hasDbt)('prints what dbt show prints now (dbt run for real)', async () => {
    const dir = project();
    const dbt = (...args: string[]) => spawnSync('dbt', ['show', '--project-dir', dir, '--profiles-dir', dir, '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: dbtEnv({ STRATUM_TEST_DB: join(dir, 'dbt.duckdb') }), timeout: 300_000 });
    for (const cols of GROUPS.slice(0, 2)) {
      const inline = `select ${cols} from (${VALUES})`;
      // --quiet prints the table alone, without the 'Previewing inline node:' line
      expect((await stratum(dir, 'show', '--inline', inline, '--limit', '-1')).out).toBe(`Previewing inline node:\n${dbt('--inline', inline, '--limit', '-1').stdout}`);
    }
  });

  it('previews a model (its ephemeral parent as a CTE, its sql_header first, 5 rows by default) and a test, only the nodes named in the first --select', async () => {
    const dir = project();
    expect((await stratum(dir, 'seed')).code).toBe(0);
    expect((await stratum(dir, 'run')).code).toBe(0);
    // dbt show printed these for the same project, built
    const m = "Previewing node 'm':\n| k10 | name |\n| --- | ---- |\n|  70 | g    |\n|  60 | f    |\n|  50 | e    |\n|  40 | d    |\n|  30 |      |\n\n";
    expect((await stratum(dir, 'show', '-s', 'm')).out).toBe(m);
    expect((await stratum(dir, 'show', '-s', 'm', 's')).out).toBe(m);
    expect((await stratum(dir, 'show', '-s', '+m', '--limit', '2')).out).toBe("Previewing node 'm':\n| k10 | name |\n| --- | ---- |\n|  70 | g    |\n|  60 | f    |\n\n");
    expect((await stratum(dir, 'show', '-s', 'not_null_m_name')).out).toBe("Previewing node 'not_null_m_name':\n| name |\n| ---- |\n|      |\n\n");
    expect((await stratum(dir, 'show', '-s', 's', '--limit', '2', '--json')).out).toBe('{\n  "node": "s",\n  "show": [\n    {\n      "id": 1,\n      "name": "a"\n    },\n    {\n      "id": 2,\n      "name": "b"\n    }\n  ]\n}\n');
    expect((await stratum(dir, 'show', '--inline', "select count(*) as n from {{ ref('m') }}")).out).toBe('Previewing inline node:\n| n |\n| - |\n| 7 |\n\n');
  });

  it('bad input: no --select nor --inline, a bad --output or --limit is a usage error (2); a query that fails is 1, naming the inline SQL', async () => {
    const dir = project();
    expect(await stratum(dir, 'show')).toMatchObject({ code: 2, err: 'Error: stratum show: pass --select (-s) or --inline\n' });
    // a seed not loaded yet (dbt's show loads it, and runs its tests, as a side effect)
    expect(await stratum(dir, 'show', '-s', 's')).toMatchObject({ code: 2, err: `Error: seed 's' is not loaded ("w"."main"."s" does not exist): load it with 'stratum seed -s s', then show it\n` });
    expect((await stratum(dir, 'show', '-s', 'm', '--output', 'csv')).err).toMatch(/--output must be one of text, json; got 'csv'/);
    expect((await stratum(dir, 'show', '-s', 'm', '--limit', 'x')).code).toBe(2);
    const r = await stratum(dir, 'show', '--inline', 'select nope');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: sql_operation\.p\.inline_query in <inline>: Binder Error: Referenced column "nope"/);
    expect((await stratum(dir, 'show', '--inline', "select * from {{ ref('nope') }}")).err).toMatch(/<inline>:1: ref\('nope'\)/);
  });
});
