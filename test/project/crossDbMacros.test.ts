/**
 * dbt's cross-database macros (`dbt.dateadd`, `dbt.type_string`, `dbt.listagg`, ...): one model
 * calling every one compiles to exactly the SQL `dbt compile` (dbt-core 1.10 + dbt-duckdb 1.10.1)
 * produces, builds on DuckDB with the right values, and compiles for a bigquery target to SQL
 * sqlglot parses as BigQuery with dbt-bigquery's functions. A project's own macros override the
 * built-ins as in dbt. The expected SQL is dbt's output pasted here; when dbt is installed the
 * same model is also compiled by dbt for real (skipped with a printed reason otherwise).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { compileNode } from '../../src/project/compile.js';
import { loadProject } from '../../src/project/load.js';
import { renderRelation } from '../../src/project/relationName.js';
import { tempDir } from '../tempDir.js';
import { dbtEnv, hasDbt, stratumBuild, warnIfNoDbt } from '../twoEngines.js';
import { tempProject } from './helpers.js';

/** A model calling every cross-database macro, through `dbt.` and bare. */
const MODEL = `{{ config(materialized='table') }}
with letters as (
    select 'a' as letter, 1 as n, true as flag
    union all
    select 'b' as letter, 2 as n, false as flag
    union all
    select 'c' as letter, 3 as n, false as flag
),

aggregated as (
    select
        {{ dbt.listagg('letter', "'-'", 'order by n') }} as letters_joined,
        {{ dbt.listagg('letter', "','", 'order by n desc', 2) }} as last_two_letters,
        {{ dbt.listagg('letter') }} as letters_default,
        {{ dbt.any_value('letter') }} as some_letter,
        {{ dbt.bool_or('flag') }} as any_flag
    from letters
)

select
    cast('abc' as {{ dbt.type_string() }}) as a_string,
    cast('2024-01-31 10:30:00' as {{ dbt.type_timestamp() }}) as a_timestamp,
    cast(1.5 as {{ dbt.type_float() }}) as a_float,
    cast(1.25 as {{ dbt.type_numeric() }}) as a_numeric,
    cast(7 as {{ dbt.type_bigint() }}) as a_bigint,
    cast(7 as {{ type_int() }}) as an_int,
    cast(true as {{ dbt.type_boolean() }}) as a_boolean,
    {{ dbt.current_timestamp() }} as now_at,
    {{ dbt.dateadd('day', 1, "cast('2024-01-31' as date)") }} as day_after,
    {{ dateadd('month', 1, "cast('2024-01-31' as date)") }} as month_after,
    {{ dbt.dateadd('quarter', -1, "cast('2024-05-15' as date)") }} as quarter_before,
    {{ dbt.dateadd('week', 2, "cast('2024-01-01' as date)") }} as two_weeks_after,
    {{ dbt.dateadd('hour', '(case when aggregated.any_flag then 2 else 1 end)', "cast('2024-01-01 00:00:00' as timestamp)") }} as hours_after,
    {{ dbt.datediff("cast('2024-01-01' as date)", "cast('2024-03-01' as date)", 'day') }} as days_between,
    {{ dbt.datediff("cast('2024-01-01' as date)", "cast('2024-03-01' as date)", 'month') }} as months_between,
    {{ datediff("cast('2024-01-03' as date)", "cast('2024-01-22' as date)", 'week') }} as weeks_between,
    {{ dbt.date_trunc('month', "cast('2024-02-15' as date)") }} as month_start,
    {{ dbt.last_day("cast('2024-02-15' as date)", 'month') }} as month_end,
    {{ dbt.last_day("cast('2024-02-15' as date)", 'quarter') }} as quarter_end,
    {{ dbt.safe_cast("'42'", dbt.type_int()) }} as safe_int,
    {{ dbt.cast("'43'", dbt.type_bigint()) }} as cast_bigint,
    {{ dbt.cast_bool_to_text('true') }} as bool_text,
    {{ dbt.concat(["'a'", "'b'", 'aggregated.some_letter']) }} as concatenated,
    {{ dbt.hash("'abc'") }} as abc_hash,
    {{ dbt.split_part("'a,b,c'", "','", 2) }} as second_part,
    {{ dbt.position("'c'", "'abc'") }} as c_position,
    {{ dbt.replace("'abc'", "'b'", "'x'") }} as replaced,
    {{ dbt.right("'abcdef'", 2) }} as last_two,
    {{ dbt.length("'abcdef'") }} as abc_length,
    '{{ dbt.escape_single_quotes("it's") }}' as escaped,
    {{ dbt.string_literal('hello') }} as greeting,
    {{ dbt.array_construct([1, 2]) }} as an_array,
    {{ dbt.array_append(dbt.array_construct([1, 2]), 3) }} as appended,
    {{ dbt.array_concat(dbt.array_construct([1]), dbt.array_construct([2, 3])) }} as concatenated_array,
    {{ dbt.array_construct() }} as empty_array,
    (select count(*) from (select 1 as x {{ dbt.except() }} select 2 as x) as e) as except_count,
    (select count(*) from (select 1 as x {{ dbt.intersect() }} select 1 as x) as i) as intersect_count,
    aggregated.*
from aggregated`;

/** What `dbt compile` (dbt-core 1.10.23, dbt-duckdb 1.10.1) wrote for MODEL (blank lines dropped). */
const DBT_DUCKDB_COMPILED = `with letters as (
    select 'a' as letter, 1 as n, true as flag
    union all
    select 'b' as letter, 2 as n, false as flag
    union all
    select 'c' as letter, 3 as n, false as flag
),
aggregated as (
    select
    string_agg(
        letter,
        '-'
        order by n
        ) as letters_joined,
        list_aggr(
        (array_agg(
            letter
            order by n desc
        ))[1:2],
        'string_agg',
        ','
        ) as last_two_letters,
    string_agg(
        letter,
        ','
        ) as letters_default,
        arbitrary(letter) as some_letter,
        bool_or(flag) as any_flag
    from letters
)
select
    cast('abc' as TEXT) as a_string,
    cast('2024-01-31 10:30:00' as timestamp) as a_timestamp,
    cast(1.5 as float) as a_float,
    cast(1.25 as numeric(28,6)) as a_numeric,
    cast(7 as bigint) as a_bigint,
    cast(7 as integer) as an_int,
    cast(true as boolean) as a_boolean,
    now() as now_at,
    (cast('2024-01-31' as date) + cast(1 as bigint) * interval 1 day) as day_after,
    (cast('2024-01-31' as date) + cast(1 as bigint) * interval 1 month) as month_after,
    (cast('2024-05-15' as date) + (cast(-1 as bigint) * 3) * interval 1 month) as quarter_before,
    (cast('2024-01-01' as date) + (cast(2 as bigint) * 7) * interval 1 day) as two_weeks_after,
    (cast('2024-01-01 00:00:00' as timestamp) + cast((case when aggregated.any_flag then 2 else 1 end) as bigint) * interval 1 hour) as hours_after,
        (date_diff('day', cast('2024-01-01' as date)::timestamp, cast('2024-03-01' as date)::timestamp ))
     as days_between,
        (date_diff('month', cast('2024-01-01' as date)::timestamp, cast('2024-03-01' as date)::timestamp ))
     as months_between,
            (
        (date_diff('day', cast('2024-01-03' as date)::timestamp, cast('2024-01-22' as date)::timestamp ))
     // 7 + case
            when date_part('dow', (cast('2024-01-03' as date))::timestamp) <= date_part('dow', (cast('2024-01-22' as date))::timestamp) then
                case when cast('2024-01-03' as date) <= cast('2024-01-22' as date) then 0 else -1 end
            else
                case when cast('2024-01-03' as date) <= cast('2024-01-22' as date) then 1 else 0 end
        end)
     as weeks_between,
    date_trunc('month', cast('2024-02-15' as date)) as month_start,
    cast(
    (
    (date_trunc('month', cast('2024-02-15' as date)) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as month_end,
    -- duckdb dateadd does not support quarter interval.
    cast(
    (
    (date_trunc('quarter', cast('2024-02-15' as date)) + cast(3 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as quarter_end,
    cast('42' as integer)
 as safe_int,
    cast('43' as bigint)
 as cast_bigint,
    cast(true as TEXT)
 as bool_text,
    'a' || 'b' || aggregated.some_letter as concatenated,
    md5(cast('abc' as TEXT)) as abc_hash,
    string_split('a,b,c', ',')[ 2 ]
 as second_part,
    position(
        'c' in 'abc'
    ) as c_position,
    replace(
        'abc',
        'b',
        'x'
    )
 as replaced,
    right(
        'abcdef',
        2
    ) as last_two,
    length(
        'abcdef'
    ) as abc_length,
    'it''s' as escaped,
    'hello' as greeting,
    array[ 1 , 2 ]
     as an_array,
    array_append(
    array[ 1 , 2 ]
    , 3) as appended,
    array_cat(
    array[ 1 ]
    ,
    array[ 2 , 3 ]
    ) as concatenated_array,
    array[]::integer[]
     as empty_array,
    (select count(*) from (select 1 as x
    except
 select 2 as x) as e) as except_count,
    (select count(*) from (select 1 as x
    intersect
 select 1 as x) as i) as intersect_count,
    aggregated.*
from aggregated`;

/** A project's overrides: its own `duckdb__dateadd`, a `default__datediff`, and a `hash`. */
const OVERRIDES = `{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}project_dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }}){% endmacro %}
{% macro default__datediff(first_date, second_date, datepart) %}project_default_datediff({{ datepart }}){% endmacro %}
{% macro hash(field) %}project_hash({{ field }}){% endmacro %}`;

const OVERRIDDEN_MODEL = `select
    {{ dbt.dateadd('day', 1, 'd') }} as a,
    {{ dateadd('day', 1, 'd') }} as b,
    {{ dbt.datediff('x', 'y', 'day') }} as c,
    {{ hash('h') }} as d,
    {{ dbt.hash('h') }} as e,
    {{ dbt.last_day('d', 'month') }} as f`;

/** What `dbt compile` wrote for OVERRIDDEN_MODEL with OVERRIDES in the project. */
const DBT_OVERRIDDEN_COMPILED = `select
    project_dateadd(day, 1, d) as a,
    project_dateadd(day, 1, d) as b,
    project_default_datediff(day) as c,
    project_hash(h) as d,
    md5(cast(h as TEXT)) as e,
    cast(
        project_dateadd(day, -1, project_dateadd(month, 1, date_trunc('month', d)))
        as date) as f`;

const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The compiled SQL of `model` in the project in `dir`, for `target` (the profile's default when undefined). */
async function stratumCompiled(dir: string, model: string, target?: string): Promise<string> {
  const project = loadProject({ projectDir: dir, env: {}, ...(target ? { target } : {}) });
  const node = project.nodes.get(`model.demo.${model}`);
  if (!node) throw new Error(`no model ${model}`);
  return (await compileNode(project, node, {})).compiledCode;
}

/** `dbt compile` of the project in `dir`: the compiled SQL of `model`. */
function dbtCompiled(dir: string, model: string): string {
  const targetPath = tempDir('stratum-dbt-xdb-');
  const r = spawnSync('dbt', ['compile', '--project-dir', dir, '--profiles-dir', dir, '--target-path', targetPath, '--no-partial-parse', '--quiet'], { cwd: dir, encoding: 'utf8', env: dbtEnv({ DBT_LOG_PATH: targetPath }), timeout: 300_000 });
  if (r.status !== 0) throw new Error(`dbt compile failed: ${r.stdout}${r.stderr}`);
  return readFileSync(join(targetPath, 'compiled', 'demo', 'models', `${model}.sql`), 'utf8');
}

warnIfNoDbt('cross-database macros against dbt compile');

describe('cross-database macros on DuckDB', () => {
  it('compile to the SQL dbt-duckdb compiles', async () => {
    const dir = tempProject({ 'models/cross_db.sql': MODEL });
    expect(normalize(await stratumCompiled(dir, 'cross_db'))).toBe(normalize(DBT_DUCKDB_COMPILED));
  });

  it.skipIf(!hasDbt)('compile to the SQL dbt compile produces now (dbt run for real)', async () => {
    const dir = tempProject({ 'models/cross_db.sql': MODEL });
    const theirs = dbtCompiled(dir, 'cross_db');
    expect(normalize(theirs)).toBe(normalize(DBT_DUCKDB_COMPILED));
    expect(normalize(await stratumCompiled(dir, 'cross_db'))).toBe(normalize(theirs));
  });

  it('build a table with the right values', async () => {
    const dir = tempProject({ 'models/cross_db.sql': MODEL });
    const path = join(dir, 'xdb.duckdb');
    writeFileSync(join(dir, 'profiles.yml'), `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${path}'\n`);
    const project = await stratumBuild(dir, {});
    const node = project.nodes.get('model.demo.cross_db');
    if (!node) throw new Error('no model cross_db');
    const adapter = new DuckDBAdapter({ path, threads: 1 });
    await adapter.connect();
    try {
      const rel = renderRelation(node.relation, 'duckdb');
      const r = await adapter.query(`select columns(*)::varchar, typeof(now_at) as now_type, cast(now_at as date) > date '2024-01-01' as now_is_recent from ${rel}`);
      const row = Object.fromEntries(r.columns.map((c, i) => [c.name, r.rows[0]?.[i]]));
      expect(row).toMatchObject({
        a_string: 'abc', a_timestamp: '2024-01-31 10:30:00', a_float: '1.5', a_numeric: '1.250000', a_bigint: '7', an_int: '7', a_boolean: 'true',
        now_type: 'TIMESTAMP WITH TIME ZONE', now_is_recent: true,
        day_after: '2024-02-01 00:00:00', month_after: '2024-02-29 00:00:00', quarter_before: '2024-02-15 00:00:00',
        two_weeks_after: '2024-01-15 00:00:00', hours_after: '2024-01-01 02:00:00',
        days_between: '60', months_between: '2', weeks_between: '3',
        month_end: '2024-02-29', quarter_end: '2024-03-31',
        safe_int: '42', cast_bigint: '43', bool_text: 'true', abc_hash: '900150983cd24fb0d6963f7d28e17f72',
        second_part: 'b', c_position: '3', replaced: 'axc', last_two: 'ef', abc_length: '6', escaped: "it's", greeting: 'hello',
        an_array: '[1, 2]', appended: '[1, 2, 3]', concatenated_array: '[1, 2, 3]', empty_array: '[]',
        except_count: '1', intersect_count: '1',
        letters_joined: 'a-b-c', last_two_letters: 'c,b', any_flag: 'true',
      });
      expect(String(row.month_start)).toMatch(/^2024-02-01/);
      expect(String(row.letters_default).split(',').sort()).toEqual(['a', 'b', 'c']);
      expect(row.some_letter).toMatch(/^[abc]$/);
      expect(row.concatenated).toBe(`ab${String(row.some_letter)}`);
    } finally {
      await adapter.close();
    }
  });
});

describe("a project's macros override the built-in cross-database macros, as in dbt", () => {
  const files = { 'models/overridden.sql': OVERRIDDEN_MODEL, 'macros/overrides.sql': OVERRIDES };

  it('a project duckdb__/default__ version wins dispatch; a project macro of the same name wins a bare call, not dbt.<name>', async () => {
    const dir = tempProject(files);
    expect(normalize(await stratumCompiled(dir, 'overridden'))).toBe(normalize(DBT_OVERRIDDEN_COMPILED));
  });

  it.skipIf(!hasDbt)('as dbt compile does now (dbt run for real)', async () => {
    const dir = tempProject(files);
    const theirs = dbtCompiled(dir, 'overridden');
    expect(normalize(theirs)).toBe(normalize(DBT_OVERRIDDEN_COMPILED));
    expect(normalize(await stratumCompiled(dir, 'overridden'))).toBe(normalize(theirs));
  });
});

describe('cross-database macros on a bigquery target', () => {
  it("compile with dbt-bigquery's macros to SQL sqlglot parses as BigQuery", async () => {
    const dir = tempProject({ 'models/cross_db.sql': MODEL });
    const sql = await stratumCompiled(dir, 'cross_db', 'bq');
    const n = normalize(sql);
    // dbt-bigquery 1.10's bigquery__ macros (dbt/include/bigquery/macros/utils/) and BigQueryColumn's type labels
    for (const fragment of [
      'cast(\'abc\' as string) as a_string', 'cast(1.5 as FLOAT64) as a_float', 'cast(1.25 as numeric) as a_numeric', 'cast(7 as INT64) as an_int',
      'current_timestamp() as now_at',
      "datetime_add( cast( cast('2024-01-31' as date) as datetime), interval 1 day ) as day_after",
      "datetime_diff( cast(cast('2024-03-01' as date) as datetime), cast(cast('2024-01-01' as date) as datetime), day ) as days_between",
      "timestamp_trunc( cast(cast('2024-02-15' as date) as timestamp), month ) as month_start",
      "safe_cast('42' as INT64) as safe_int",
      "to_hex(md5(cast('abc' as string))) as abc_hash",
      "split( 'a,b,c', ',' )[safe_offset(1)] as second_part",
      "strpos( 'abc', 'c' ) as c_position",
      "case when 2 = 0 then '' else substr( 'abcdef', -1 * (2) ) end as last_two",
      "'it\\'s' as escaped",
      '[ 1 , 2 ] as an_array', 'array_concat( [ 1 , 2 ] , [ 3 ] ) as appended', 'ARRAY<INT64>[] as empty_array',
      'except distinct', 'intersect distinct',
      "string_agg( letter, ',' order by n desc limit 2 ) as last_two_letters", 'logical_or(flag) as any_flag', 'any_value(letter) as some_letter',
    ]) expect(n).toContain(fragment);
    if (spawnSync('python3', ['-c', 'import sqlglot'], { stdio: 'ignore' }).status !== 0) {
      console.log('skipped the parse: python3 cannot import sqlglot (pip install sqlglot; CI installs it)');
      return;
    }
    const work = tempDir('stratum-sqlglot-xdb-');
    const parse = "import sys, sqlglot\nfrom sqlglot.errors import ErrorLevel\ntry:\n    sqlglot.parse(open(sys.argv[1]).read(), read='bigquery', error_level=ErrorLevel.RAISE)\n    print('ok')\nexcept Exception as e:\n    print(str(e).splitlines()[0])";
    const bigqueryParse = (text: string): string => {
      writeFileSync(join(work, 'model.sql'), text);
      return execFileSync('python3', ['-c', parse, join(work, 'model.sql')], { encoding: 'utf8' }).trim();
    };
    expect(bigqueryParse(sql)).toBe('ok');
    // the check is real: the DuckDB compilation (`::integer[]`, `//`) does not parse as BigQuery
    expect(bigqueryParse(DBT_DUCKDB_COMPILED)).not.toBe('ok');
  });
});
