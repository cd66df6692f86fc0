import { describe, expect, it } from 'vitest';
import { parseVarsFlag } from '../../src/cli/projectOptions.js';
import type { QueryResult } from '../../src/engine/adapter.js';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { compileNode } from '../../src/project/compile.js';
import { CompileError } from '../../src/project/errors.js';
import { injectCtes } from '../../src/project/injectCtes.js';
import { loadProject } from '../../src/project/load.js';
import { PyFloat } from '../../src/project/pythonRepr.js';
import type { CompileContext, Project } from '../../src/project/types.js';
import { FIXTURE, tempProject } from './helpers.js';

/** Loads a temp project with the given files and compiles `model.demo.<name>`. */
async function compile(files: Record<string, string>, name = 'm', ctx: CompileContext = {}, opts: { target?: string; vars?: Record<string, unknown>; env?: Record<string, string> } = {}) {
  const project = loadProject({ projectDir: tempProject(files), env: opts.env ?? {}, ...(opts.target ? { target: opts.target } : {}), ...(opts.vars ? { vars: opts.vars } : {}) });
  const node = project.nodes.get(`model.demo.${name}`);
  if (!node) throw new Error(`no model ${name}`);
  return { project, compiled: await compileNode(project, node, ctx) };
}

const sql = async (model: string, extra: Record<string, string> = {}, ctx: CompileContext = {}, opts = {}) =>
  (await compile({ 'models/m.sql': model, ...extra }, 'm', ctx, opts)).compiled.compiledCode.trim();

describe('Jinja like dbt', () => {
  it('set, if/elif/else, for with loop vars, comments and whitespace control', async () => {
    const out = await sql(
      "{# a comment #}{%- set cols = ['a', 'b', 'c'] -%}\nselect\n{%- for c in cols %}\n  {{ c }}{% if not loop.last %},{% endif %}\n{%- endfor %}\n{% if cols | length > 5 %}big{% elif cols | length == 3 %}three{% else %}small{% endif %}",
    );
    expect(out).toBe('select\n  a,\n  b,\n  c\nthree');
  });

  it('macros with defaults and keyword arguments, return(), {% do %}, list +, Python string/dict methods, None/True', async () => {
    const macros = {
      'macros/util.sql': `{% macro cols(prefix, n=2) %}{% set out = [] %}{% for i in range(n) %}{% do out.append(prefix ~ i) %}{% endfor %}{{ return(out + ['z']) }}{% endmacro %}
{% macro shout(s) %}{{ s.upper() ~ '!' }}{% endmacro %}`,
    };
    const out = await sql("{{ cols('c', n=3) | join(',') }} {{ shout('hi') }} {{ 'a-b'.split('-')[1] }} {{ {'k': 1}.get('k') }} {{ {'k': 1}.get('x', 'dflt') }} {{ None is none }} {{ True }} {{ ' x '.strip() }} {{ 'a_b'.replace('_', '.') }}", macros);
    expect(out).toBe('c0,c1,c2,z HI! b 1 dflt True True x a.b');
  });

  it('a macro that reads kwargs gets the keyword arguments it does not name, as Jinja gives them', async () => {
    const macros = { 'macros/k.sql': "{% macro opts(a, b=2) %}{{ a }}/{{ b }}/{{ kwargs | dictsort | map('join', '=') | join(',') }}/{{ kwargs.get('c', 'none') }}{% endmacro %}" };
    expect(await sql("{{ opts(1) }} {{ opts(1, c=3) }} {{ opts(a=1, b=5, d=4, c=3) }}", macros)).toBe('1/2//none 1/2/c=3/3 1/5/c=3,d=4/3');
  });

  it('config() with keyword arguments and dicts reaches the node and the compiled config', async () => {
    const { project, compiled } = await compile({ 'models/m.sql': "{{ config(materialized='incremental', unique_key=['id', 'd'], partition_by={'field': 'd', 'data_type': 'date'}, tags=['x'], custom_key=42) }}select 1 as id" });
    const node = project.nodes.get('model.demo.m');
    expect(node?.config).toMatchObject({ materialized: 'incremental', unique_key: ['id', 'd'], partition_by: { field: 'd', data_type: 'date', granularity: 'day' }, tags: ['x'], custom_key: 42 });
    expect(compiled.config.custom_key).toBe(42);
    expect(compiled.compiledCode).toBe('select 1 as id');
  });

  it("ref('x'), ref('pkg', 'x'), source(), this, target and relation attributes", async () => {
    const files = {
      'models/up.sql': "{{ config(schema='s2', alias='up_alias') }}select 1",
      'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    schema: landing\n    tables:\n      - name: t\n        identifier: t_v2\n',
    };
    const out = await sql("{{ ref('up') }} {{ ref('demo', 'up') }} {{ source('raw', 't') }} {{ this }} {{ this.identifier }} {{ ref('up').schema }} {{ target.type }}/{{ target.name }}/{{ target.schema }}", files);
    expect(out).toBe('"memory"."main_s2"."up_alias" "memory"."main_s2"."up_alias" "memory"."landing"."t_v2" "memory"."main"."m" m main_s2 duckdb/dev/main');
    const bq = await sql("{{ ref('up') }} {{ source('raw', 't') }} {{ this }} {{ target.type }}", files, {}, { target: 'bq' });
    expect(bq).toBe('`proj`.`ds_s2`.`up_alias` `proj`.`landing`.`t_v2` `proj`.`ds`.`m` bigquery');
  });

  it('var() with project vars, --vars and defaults; env_var() with defaults; a missing var is a CompileError at the line', async () => {
    const project = { 'dbt_project.yml': 'name: demo\nprofile: demo\nvars:\n  a: 1\n  demo:\n    b: two\n' };
    expect(await sql("{{ var('a') }} {{ var('b') }} {{ var('c', 'dflt') }} {{ env_var('HOME_X', 'h') }} {{ env_var('SET_X') }}", project, {}, { vars: { a: 5 }, env: { SET_X: 'yes' } })).toBe('5 two dflt h yes');
    await expect(compile({ 'models/m.sql': "select\n{{ var('missing') }}" })).rejects.toThrow(/^models\/m\.sql:2:\d+: Required var 'missing' not found/);
    await expect(compile({ 'models/m.sql': "select\n\n{{ env_var('NOPE') }}" })).rejects.toThrow(/^models\/m\.sql:3:\d+: Env var required but not provided: 'NOPE'$/);
  });

  it('var() renders a var holding Jinja in the node context, as dbt does (project vars and --vars)', async () => {
    const project = { 'dbt_project.yml': "name: demo\nprofile: demo\nvars:\n  suffix: \"{{ env_var('SUFFIX_X', 'none') }}-{{ target.name }}\"\n" };
    const opts = { vars: { cli: "{{ var('suffix') }}!" }, env: { SUFFIX_X: 'x' } };
    expect(await sql("{{ var('suffix') }} {{ var('cli') }}", project, {}, opts)).toBe('x-dev x-dev!');
    await expect(compile({ ...project, 'models/m.sql': "select\n'{{ var('bad') }}'" }, 'm', {}, { vars: { bad: "{{ env_var('NOPE') }}" } })).rejects.toThrow(/^models\/m\.sql:2:\d+: Env var required but not provided: 'NOPE'$/);
  });

  it('target.profile_name and target.target_name, as dbt sets them', async () => {
    expect(await sql('{{ target.profile_name }}/{{ target.target_name }}/{{ target.name }}')).toBe('demo/dev/dev');
  });

  it("a model's full_refresh config wins over --full-refresh for is_incremental() and should_full_refresh(); flags.FULL_REFRESH is the flag", async () => {
    const model = (fr: string) => `{{ config(materialized='incremental'${fr}) }}{{ is_incremental() }}/{{ should_full_refresh() }}/{{ flags.FULL_REFRESH }}`;
    const ctx = { relationExists: async () => true, fullRefresh: true };
    expect(await sql(model(''), {}, ctx)).toBe('False/True/True');
    expect(await sql(model(', full_refresh=false'), {}, ctx)).toBe('True/False/True');
    expect(await sql(model(', full_refresh=true'), {}, { relationExists: async () => true })).toBe('False/True/False');
  });

  it('is_incremental() is true only for an existing incremental relation without --full-refresh', async () => {
    const model = "{{ config(materialized='incremental') }}select 1{% if is_incremental() %} where x > (select max(x) from {{ this }}){% endif %}";
    const seen: string[] = [];
    const exists = async (rel: { schema: string; identifier: string }) => {
      seen.push(`${rel.schema}.${rel.identifier}`);
      return true;
    };
    expect(await sql(model, {}, { relationExists: exists })).toBe('select 1 where x > (select max(x) from "memory"."main"."m")');
    expect(seen).toEqual(['main.m']);
    expect(await sql(model, {}, { relationExists: exists, fullRefresh: true })).toBe('select 1');
    expect(await sql(model, {}, { relationExists: async () => false })).toBe('select 1');
    expect(await sql(model)).toBe('select 1');
    const { compiled } = await compile({ 'models/m.sql': model }, 'm', { relationExists: exists });
    expect(compiled.isIncremental).toBe(true);
  });

  it('adapter.dispatch resolves <dialect>__ then default__, with or without a package', async () => {
    const macros = {
      'macros/d.sql': `{% macro money(c) %}{{ return(adapter.dispatch('money')(c)) }}{% endmacro %}
{% macro default__money(c) %}default({{ c }}){% endmacro %}
{% macro bigquery__money(c) %}bq({{ c }}){% endmacro %}
{% macro only_default(c) %}{{ return(adapter.dispatch('only_default', 'demo')(c)) }}{% endmacro %}
{% macro default__only_default(c) %}d({{ c }}){% endmacro %}`,
    };
    expect(await sql("{{ money('x') }} {{ only_default('y') }}", macros)).toBe('default(x) d(y)');
    expect(await sql("{{ money('x') }} {{ only_default('y') }}", macros, {}, { target: 'bq' })).toBe('bq(x) d(y)');
    await expect(compile({ 'models/m.sql': "select\n{{ adapter.dispatch('nothing')() }}" })).rejects.toThrow(/^models\/m\.sql:2:\d+: adapter\.dispatch\('nothing'\): no macro named 'duckdb__nothing' or 'default__nothing'$/);
  });

  it('run_query returns an agate-like table (columns[0].values(), rows), answered by the runner', async () => {
    const queries: string[] = [];
    const runQuery = async (q: string): Promise<QueryResult> => {
      queries.push(q);
      return q.includes('statuses')
        ? { columns: [{ name: 'status', type: 'VARCHAR' }], rows: [['placed'], ['shipped']] }
        : { columns: [{ name: 'n', type: 'BIGINT' }, { name: 'label', type: 'VARCHAR' }], rows: [[3n, 'three']] };
    };
    const model = `{% set statuses = run_query('select distinct status from statuses order by 1') %}
{% if execute %}{% set values = statuses.columns[0].values() %}{% else %}{% set values = [] %}{% endif %}
select {% for v in values %}count_if(status = '{{ v }}') as {{ v }}_count, {% endfor %}
{%- set one = run_query('select 3 as n') -%}
{{ one.rows[0][0] + 1 }} as four, '{{ one.rows[0]['label'] }}' as label, {{ one.columns['n'].values() | length }} as len`;
    const out = await sql(model, {}, { runQuery });
    expect(out).toBe("select count_if(status = 'placed') as placed_count, count_if(status = 'shipped') as shipped_count, 4 as four, 'three' as label, 1 as len");
    expect(queries).toEqual(['select distinct status from statuses order by 1', 'select 3 as n']);
    // Without a runner (or at parse time) run_query returns none, as dbt with execute false.
    expect(await sql("{% set r = run_query('select 1') %}{{ r is none }}")).toBe('True');
  });

  it('run_query runs each call, the same statement twice too, and a hook issuing it again runs it again', async () => {
    // dbt run of this model (dbt-duckdb 1.10) built m as (1, 2) and left t with two rows; the
    // answers were replayed by the statement's text, so the second insert never ran: (1, 1)
    const db = new DuckDBAdapter({ path: ':memory:' });
    await db.connect();
    try {
      const model = `{{ config(pre_hook="{% do run_query('insert into t values (1)') %}select 1") }}
{% do run_query("create table t (x int)") %}
{% do run_query("insert into t values (1)") %}
{% set a = run_query("select count(*) as n from t") %}
{% do run_query("insert into t values (1)") %}
{% set b = run_query("select count(*) as n from t") %}
select {{ a.rows[0][0] if execute }} as a, {{ b.rows[0][0] if execute }} as b`;
      expect(await sql(model, {}, { runQuery: (q) => db.query(q) })).toBe('select 1 as a, 2 as b');
      // the pre-hook's insert is a third one
      expect((await db.query('select count(*) as n from t')).rows).toEqual([[3]]);
    } finally {
      await db.close();
    }
  });

  it('a query whose text changes between attempts (it reads the clock) is answered by its place', async () => {
    // keyed by text, each attempt met a new query and the render gave up after 100 of them
    const queries: string[] = [];
    const runQuery = async (q: string): Promise<QueryResult> => {
      queries.push(q);
      return { columns: [{ name: 'n', type: 'INTEGER' }], rows: [[queries.length]] };
    };
    const out = await sql("{% set a = run_query('select ' ~ modules.datetime.datetime.now().microsecond) %}{% set b = run_query('select 2') %}select {{ a.rows[0][0] }}, {{ b.rows[0][0] }}", {}, { runQuery });
    expect(out).toBe('select 1, 2');
    expect(queries).toHaveLength(2);
  });

  it("a model's logs are kept when it has hooks, and an attempt's logs are printed once", async () => {
    const runQuery = async (): Promise<QueryResult> => ({ columns: [{ name: 'n', type: 'INTEGER' }], rows: [[1]] });
    const { compiled } = await compile({
      'models/m.sql': "{{ config(post_hook=\"{{ log('from hook', info=True) }}select 2\") }}{{ log('from sql', info=True) }}{% set r = run_query('select 1') %}select 1",
    }, 'm', { runQuery });
    // the SQL rendered twice (before and after its query's answer), the hook once
    expect(compiled.logs?.map((l) => l.message)).toEqual(['from sql', 'from hook']);
  });

  it("run_query's values are the Python values dbt gives a template: Decimal, float, date, datetime, timedelta, JSON text, tuples", async () => {
    // dbt compile of this model (dbt-duckdb 1.10) printed the expected text
    const db = new DuckDBAdapter({ path: ':memory:' });
    await db.connect();
    try {
      const model = `{% set r = run_query("select 1.5::double as a, 1.50::decimal(5,2) as b, date '2024-01-05' as c, timestamp '2024-01-05 10:11:12.5' as d, 2.0::double as e, 7 as f, true as g, [1,2] as h, null as i, interval 1 day as j, 'x' as k, timestamptz '2024-01-05 10:11:12+00' as l, time '10:11:12' as m") %}
{%- if execute %}{% set row = r.rows[0] -%}
{{ row | join("|") }}
{{ row[1] + 1 }}|{{ row[1] * 2 }}|{{ row[0] + 1 }}|{{ row[4] }}|{{ row[2].strftime("%Y%m%d") }}|{{ row[3].year }}|{{ row[2] + modules.datetime.timedelta(days=1) }}|{{ row[1] is number }}|{{ row[5] / 2 }}|{{ row[1] > 1 }}|{{ row[3].isoformat() }}
{{ r.columns[1].values() }}|{{ r.column_names }}|{{ r.columns["b"].values()[0] }}
{{ row[7] }}|{{ row[7][0] }}|{{ row[9] }}|{{ row[11] }}|{{ row[12] }}|{{ row[1] / 3 }}|{{ row[1] - 2 }}{% endif %}`;
      const out = await sql(model, {}, { runQuery: (q) => db.query(q) });
      expect(out).toBe(`1.5|1.50|2024-01-05|2024-01-05 10:11:12.500000|2.0|7|True|[1, 2]|None|1 day, 0:00:00|x|2024-01-05 10:11:12+00:00|10:11:12
2.50|3.00|2.5|2.0|20240105|2024|2024-01-06|True|3.5|True|2024-01-05T10:11:12.500000
(Decimal('1.50'),)|('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm')|1.50
[1, 2]|[|1 day, 0:00:00|2024-01-05 10:11:12+00:00|10:11:12|0.50|-0.50`);
      // Python refuses a Decimal and a float together
      await expect(sql("{% set r = run_query('select 1.50::decimal(5,2) as b') %}{% if execute %}{{ r.rows[0][0] + 1.5 }}{% endif %}", {}, { runQuery: (q) => db.query(q) })).rejects.toThrow(/unsupported operand type\(s\) for \+: 'decimal\.Decimal' and 'float'/);
    } finally {
      await db.close();
    }
  });

  it('statement blocks and load_result', async () => {
    const model = "{% call statement('mx', fetch_result=True) %}select max(id) from t{% endcall %}{% set r = load_result('mx') %}select {{ r['data'][0][0] if r else 0 }}";
    expect(await sql(model, {}, { runQuery: async () => ({ columns: [{ name: 'm', type: 'INTEGER' }], rows: [[41]] }) })).toBe('select 41');
  });

  it('exceptions.raise_compiler_error names the file and line; log() and modules.datetime work', async () => {
    await expect(compile({ 'models/m.sql': "select 1\n{% if true %}\n  {{ exceptions.raise_compiler_error('bad input: ' ~ 3) }}\n{% endif %}" })).rejects.toThrow(/^models\/m\.sql:3:\d+: bad input: 3$/);
    const e = await compile({ 'models/m.sql': "{{ exceptions.raise_compiler_error('x') }}" }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CompileError);
    expect((e as CompileError).exitCode).toBe(2);
    const out = await sql("{{ log('hello', info=True) }}{% set d = modules.datetime.datetime.now() %}{{ d.strftime('%Y') | length }} {{ modules.datetime.date.today().isoformat() | length }}");
    expect(out).toBe('4 10');
  });

  it('ephemeral models are inlined as __dbt__cte__ CTEs, nested ephemerals hoisted in order', async () => {
    const files = {
      'models/e1.sql': "{{ config(materialized='ephemeral') }}select 1 as id",
      'models/e2.sql': "{{ config(materialized='ephemeral') }}select * from {{ ref('e1') }}",
      'models/m.sql': "-- head comment\nwith x as (select * from {{ ref('e2') }})\nselect * from x",
    };
    const { compiled } = await compile(files);
    expect(compiled.extraCtes.map((c) => c.name)).toEqual(['__dbt__cte__e1', '__dbt__cte__e2']);
    // dbt's whitespace (inject_ctes_into_sql): ` <name> as (\n<sql>\n)` joined by `, `
    expect(compiled.compiledCode).toBe('-- head comment\nwith  __dbt__cte__e1 as (\nselect 1 as id\n),  __dbt__cte__e2 as (\nselect * from __dbt__cte__e1\n), x as (select * from __dbt__cte__e2)\nselect * from x');
    expect(injectCtes('select 1', [{ id: 'a', name: '__dbt__cte__a', sql: 'select 2' }])).toBe('with __dbt__cte__a as (\nselect 2\n) select 1');
  });

  it('{% test %} blocks define custom generic tests; built-in generic tests return failing rows', async () => {
    const files = {
      'models/m.sql': 'select 1 as id',
      'macros/t.sql': '{% test at_least(model, column_name, min=0) %}select * from {{ model }} where {{ column_name }} < {{ min }}{% endtest %}',
      'models/s.yml': `version: 2
models:
  - name: m
    columns:
      - name: id
        data_tests:
          - at_least: {min: 5}
          - unique
          - not_null:
              config: {where: "id > 0", severity: warn}
          - accepted_values: {values: ["a", "it's"]}
          - accepted_values: {values: [1, 2], quote: false}
          - relationships: {to: ref('m'), field: id}
`,
    };
    for (const target of ['dev', 'bq']) {
      const project = loadProject({ projectDir: tempProject(files), env: {}, target });
      const q = target === 'bq' ? '`proj`.`ds`.`m`' : '"memory"."main"."m"';
      const byName = async (prefix: string) => {
        const n = [...project.nodes.values()].find((x) => x.name.startsWith(prefix));
        if (!n) throw new Error(prefix);
        return (await compileNode(project, n, {})).compiledCode.replace(/\s+/g, ' ').trim();
      };
      expect(await byName('at_least_m_id__5')).toBe(`select * from ${q} where id < 5`);
      expect(await byName('unique_m_id')).toBe(`select id as unique_field, count(*) as n_records from ${q} where id is not null group by id having count(*) > 1`);
      expect(await byName('not_null_m_id')).toBe(`select id from (select * from ${q} where id > 0) dbt_subquery where id is null`);
      const quoted = target === 'bq' ? "'a','it\\'s'" : "'a','it''s'";
      expect(await byName('accepted_values_m_id__a__it_s')).toContain(`where value_field not in ( ${quoted} )`);
      expect(await byName('accepted_values_m_id__False__1__2')).toContain('where value_field not in ( 1,2 )');
      expect(await byName('relationships_m_id__id__ref_m_')).toContain(`from ${q} ) select from_field from child left join parent`);
    }
  });

  it('compiles every node of the fixture; sources read external_location on duckdb', async () => {
    const project: Project = loadProject({ projectDir: FIXTURE, env: {} });
    for (const node of project.nodes.values()) {
      const c = await compileNode(project, node, {});
      if (node.resourceType === 'model' || node.resourceType === 'test') expect(c.compiledCode.trim().length).toBeGreaterThan(0);
    }
    const stg = await compileNode(project, project.nodes.get('model.jaffle.stg_orders') as never, {});
    expect(stg.compiledCode).toContain("select * from read_parquet('test/fixtures/jaffle/raw/orders/dt=*/*.parquet', hive_partitioning = true)");
    expect(stg.compiledCode).toContain("cast(date_trunc('day', ordered_at) as date) as order_date");
    const pay = await compileNode(project, project.nodes.get('model.jaffle.stg_payments') as never, {});
    expect(pay.compiledCode).toContain('cast(amount / 100 as decimal(16, 2)) as amount');
  });
});

describe('Jinja values, conditions and builtins as dbt 1.10 renders them', () => {
  it('prints values with Python str(): True/False, None, lists and dicts; ~ and join too', async () => {
    const out = await sql(`{% set l = [] %}{{ True }} {{ 1 > 2 }} {{ None }}|{{ undefined_name }}|{{ [1, 'a', None, True] }} {{ {'k': "it's", 'n': [1]} }} {{ 'a' ~ none ~ false }} {{ [true, none] | join(',') }} {{ l.append(1) }} {{ {'a': 1}.get('b') }} {{ is_incremental() }}`);
    expect(out).toBe(`True False None||[1, 'a', None, True] {'k': "it's", 'n': [1]} aNoneFalse True,None None None False`);
  });

  it('an empty list or dict is false in conditions, and `or` / `and` give an operand', async () => {
    const out = await sql("{% if [] %}a{% else %}b{% endif %}{% if {} %}c{% else %}d{% endif %} {{ not [] }} {{ [] or 'x' }} {{ 2 and 3 }} {{ 'y' if {} else 'z' }} {{ [] | default('e', true) }}");
    expect(out).toBe('bd True x 3 z e');
  });

  it('tuples, slices and negative indexes', async () => {
    const out = await sql("{{ 'a' in ('a', 'b') }} {% for k, v in [('x', 1), ('y', 2)] %}{{ k }}{{ v }}{% endfor %} {{ [1, 2, 3][1:] }} {{ [1, 2, 3][-1] }} {{ 'a.b.c'.split('.')[-1] }} {{ 'abcdef'[1:3] }} {{ 'abc'[::-1] }} {{ (1 + 2) * 3 }}");
    expect(out).toBe('True x1y2 [2, 3] 3 c bc cba 9');
  });

  it('namespace() with {% set ns.attr %} in loops, dict(), selectattr with a test, max/min', async () => {
    const out = await sql(`{% set ns = namespace(total=0, names=[]) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% do ns.names.append('c' ~ i) %}{% endfor %}{{ ns.total }} {{ ns.names | join(',') }} {{ dict(a=1) }}
{%- set cols = [{'name': 'id', 'type': 'int'}, {'name': 'x', 'type': 'text'}, {'name': 'y', 'type': 'int', 'skip': true}] %}
{{ cols | selectattr('type', 'equalto', 'int') | map(attribute='name') | join(',') }} {{ cols | rejectattr('skip') | map(attribute='name') | join(',') }} {{ [3, 9, 1] | max }} {{ [3, 9, 1] | min }}`);
    expect(out).toBe("6 c0,c1,c2,c3 {'a': 1}\nid,y id,x 9 1");
  });

  it('a macro reading varargs gets the positional arguments past its named ones', async () => {
    const macros = { 'macros/cols.sql': "{% macro coalesce_all(alias) %}coalesce({{ varargs | join(', ') }}) as {{ alias }}{% endmacro %}{% macro both(a) %}{{ a }}:{{ varargs | length }}:{{ kwargs | length }}{% endmacro %}" };
    expect(await sql("{{ coalesce_all('v', 'a', 'b', 'c') }} {{ both(1) }} {{ both(1, 2, k=3) }}", macros)).toBe('coalesce(a, b, c) as v 1:0:0 1:1:1');
  });

  it('% formats a string as Python does (positional, by name, flags, width, precision) and is Python\'s remainder on numbers', async () => {
    // the expected text is what jinja2 renders
    const out = await sql(`{{ '%s-%03d|%5.2f|%-4s|%x|%r|%%|%+d|%.1e' % ('a', 7, 3.14159, 'ab', 255, 'q', -3, 12345.678) }} {{ 'hi %(name)s, %(n)d' % {'name': 'x', 'n': 2.9} }} {{ -7 % 3 }} {{ 7 % 3 }} {{ 'select %s' % 'x' }} {{ '%s' % none }} {{ '%s/%s' % (true, [1]) }}`);
    expect(out).toBe("a-007| 3.14|ab  |ff|'q'|%|-3|1.2e+04 hi x, 2 2 1 select x None True/[1]");
    await expect(sql(`{{ '%s %s' % 'a' }}`)).rejects.toThrow(/not enough arguments for format string/);
    await expect(sql(`{{ '%s' % ('a', 'b') }}`)).rejects.toThrow(/not all arguments converted/);
  });

  it('a {% set %} in a for body is scoped to its pass, as in Jinja (a namespace carries values out)', async () => {
    // the expected text is what jinja2 renders
    const out = await sql(`{% set x = 0 %}{% for i in range(3) %}{% set x = x + i %}[{{ x }}]{% endfor %}{{ x }}|{% for i in range(2) %}{% set y = i %}{% endfor %}{{ y }}|{% set z = 10 %}{% if true %}{% set z = 5 %}{% endif %}{{ z }}|{% set ns = namespace(t=0) %}{% for i in range(4) %}{% set ns.t = ns.t + i %}{% endfor %}{{ ns.t }}|{% for a in [1, 2] %}{% for b in [3] %}{% set w = a * b %}{{ w }}{% endfor %}{{ loop.last }}{% endfor %}`);
    expect(out).toBe('[0][1][2]0||5|6|3False6True');
  });

  it('graph holds the project\'s nodes and sources as the manifest has them', async () => {
    // the expected text is what dbt compile renders for the same project
    const files = {
      'seeds/s1.csv': 'id,n\n1,2\n',
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n      - name: t1\n      - name: t2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    };
    const out = await sql(`{% set models = [] %}{% if execute %}{% for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') %}{% do models.append(node.name) %}{% endfor %}{% endif -%}
select {{ models | length }} as n, '{{ models | sort | join(",") }}' as names, '{{ graph.sources.values() | map(attribute="name") | sort | join(",") }}' as srcs, '{{ graph.nodes["model.demo.b"].depends_on.nodes | join(",") }}' as deps, '{{ graph.nodes.values() | selectattr("resource_type", "equalto", "test") | list | length }}' as tests, '{{ graph.nodes["seed.demo.s1"].config.materialized }}' as smat`, files);
    expect(out).toBe(`select 3 as n, 'a,b,m' as names, 't1,t2' as srcs, 'model.demo.a' as deps, '1' as tests, 'seed' as smat`);
  });

  it('dbt_version, set(), and modules.re sub / findall / match groups', async () => {
    const out = await sql(`{{ dbt_version }} {{ set([1, 1, 2]) | length }} {{ modules.re.sub('a+', 'x', 'caaab') }} {{ modules.re.findall('[0-9]', 'a1b2') | join }} {{ modules.re.match('(c)(a)', 'cab').group(2) }} {{ modules.re.search('z', 'cab') is none }}`);
    expect(out).toBe('1.10.0 2 cxb 12 a True');
  });

  it('adapter.get_relation and adapter.get_columns_in_relation read the warehouse', async () => {
    const db = new DuckDBAdapter({ path: ':memory:' });
    await db.connect();
    try {
      await db.execute("create table main.base as select 1 as id, 'a' as name");
      const model = `{% set rel = adapter.get_relation(database=this.database, schema='main', identifier='BASE') %}{% set missing = adapter.get_relation(this.database, 'main', 'nope') %}
{%- set cols = adapter.get_columns_in_relation(rel) if rel else [] -%}
{{ rel }} {{ rel.type }} {{ missing }} {{ cols | map(attribute='name') | join(',') }} {{ cols | map(attribute='dtype') | join(',') }}`;
      expect(await sql(model, {}, { runQuery: (q) => db.query(q) })).toBe('"memory"."main"."base" table None id,name INTEGER,VARCHAR');
    } finally {
      await db.close();
    }
  });
});

describe('YAML read as dbt reads it (PyYAML, YAML 1.1)', () => {
  // dbt 1.10 compiled this project's model to the expected SQL below, listed the same two tests
  // and disabled legacy/old: yes/NO/on are booleans, 012 is octal, 1:30 is base 60, 1e3 (no dot)
  // is a string, and `<<` merges a mapping in
  const files = {
    'dbt_project.yml': `name: demo
profile: demo
config-version: 2
vars:
  flag: yes
  code: NO
  n: 012
  t: 1:30
  e: 1e3
models:
  demo:
    legacy:
      +enabled: off
`,
    'models/m.sql': `select '{{ var("flag") }}' as flag, '{{ var("code") }}' as code, {{ var("n") }} as n, {{ var('t') }} as t, '{{ var("e") }}' as e, '{{ fromyaml("a: on")["a"] }}' as fy`,
    'models/legacy/old.sql': 'select 1 as x',
    'models/props.yml': `version: 2
models:
  - name: m
    columns:
      - &col
        name: n
        data_tests: [not_null]
      - <<: *col
        name: t
`,
  };

  it('in dbt_project.yml, properties files and fromyaml', async () => {
    const { project, compiled } = await compile(files);
    expect(compiled.compiledCode.trim()).toBe(`select 'True' as flag, 'False' as code, 10 as n, 90 as t, '1e3' as e, 'True' as fy`);
    expect(project.nodes.has('model.demo.old')).toBe(false);
    expect([...project.nodes.values()].filter((n) => n.resourceType === 'test').map((n) => n.name).sort()).toEqual(['not_null_m_n', 'not_null_m_t']);
  });

  it('in --vars', () => {
    // a float is a Python float, as it reaches templates (printed 1500.0)
    expect(parseVarsFlag('run', '{a: yes, b: off, c: 012, d: 08, e: 1.5e+3, f: 1e3}')).toEqual({ a: true, b: false, c: 10, d: '08', e: new PyFloat(1500), f: '1e3' });
  });
});

describe('Python values as dbt 1.10 prints them', () => {
  // every expected string below is what dbt 1.10.23 compiled from the same template
  it('modules.datetime: constructors, arithmetic, strftime, strptime, fromisoformat, timedelta, comparisons, pytz.utc', async () => {
    const template = `{% set dt = modules.datetime %}{% set a = dt.datetime(2024, 2, 28, 22, 5, 9) %}{% set b = dt.date(2024, 3, 1) %}{% set td = dt.timedelta(days=1, hours=3, minutes=2, seconds=1) %}
1 {{ a }} | {{ b }} | {{ td }} | {{ a + td }} | {{ a - td }} | {{ b - dt.timedelta(days=1) }}
2 {{ a.strftime('%Y%m%d %H:%M:%S %a %A %b %B %y %j %I %p %w %U %W %%') }} | {{ a.isoformat() }} | {{ b.isoformat() }} | {{ a.date() }}
3 {{ a.year }} {{ a.month }} {{ a.day }} {{ a.hour }} {{ a.minute }} {{ a.second }} {{ a.microsecond }} {{ b.weekday() }} {{ b.isoweekday() }}
4 {{ dt.datetime.strptime('2024-01-05 10:11:12', '%Y-%m-%d %H:%M:%S') }} | {{ dt.datetime.strptime('05/01/24', '%d/%m/%y').date() }} | {{ dt.date.fromisoformat('2024-01-05') }} | {{ dt.datetime.fromisoformat('2024-01-05T10:11:12') }}
5 {{ (dt.datetime(2024,3,1) - dt.datetime(2024,2,28,12)) }} | {{ (dt.datetime(2024,3,1) - dt.datetime(2024,2,28,12)).days }} | {{ (dt.datetime(2024,3,1) - dt.datetime(2024,2,28,12)).total_seconds() }} | {{ dt.timedelta(seconds=-1) }} | {{ dt.timedelta(days=2, microseconds=5) }}
6 {{ a < dt.datetime(2025,1,1) }} {{ a == dt.datetime(2024, 2, 28, 22, 5, 9) }} {{ b == dt.date(2024,3,1) }} {{ a != a }} {{ [1,2] == [1,2] }} {{ {'a': 1} == {'a': 1} }}
7 {{ a.replace(year=2020, day=1) }} | {{ dt.datetime(2024,1,1,0,0,0,1500) }} | {{ dt.datetime(2024,1,1,0,0,0,1500).isoformat() }} | {{ dt.timedelta(weeks=1, milliseconds=3) }}
8 {{ run_started_at.tzinfo }} | {{ run_started_at.isoformat()[-6:] }} | {{ dt.datetime.now().tzinfo }} | {{ dt.datetime(2024,1,1, tzinfo=modules.pytz.utc) }} | {{ modules.pytz.utc }}
9 {{ a.strftime('%Y-%m-%dT%H:%M:%S.%f%z') }} | {{ dt.datetime(2024,1,1, tzinfo=modules.pytz.utc).strftime('%z %Z') }} | {{ dt.datetime(2024,1,1, tzinfo=modules.pytz.utc).isoformat() }} | {{ dt.datetime(2024,1,1, tzinfo=modules.pytz.utc).timestamp() }} | {{ td.days }} {{ td.seconds }}`;
    expect(await sql(template)).toBe(`1 2024-02-28 22:05:09 | 2024-03-01 | 1 day, 3:02:01 | 2024-03-01 01:07:10 | 2024-02-27 19:03:08 | 2024-02-29
2 20240228 22:05:09 Wed Wednesday Feb February 24 059 10 PM 3 08 09 % | 2024-02-28T22:05:09 | 2024-03-01 | 2024-02-28
3 2024 2 28 22 5 9 0 4 5
4 2024-01-05 10:11:12 | 2024-01-05 | 2024-01-05 | 2024-01-05 10:11:12
5 1 day, 12:00:00 | 1 | 129600.0 | -1 day, 23:59:59 | 2 days, 0:00:00.000005
6 True True True False True True
7 2020-02-01 22:05:09 | 2024-01-01 00:00:00.001500 | 2024-01-01T00:00:00.001500 | 7 days, 0:00:00.003000
8 UTC | +00:00 | None | 2024-01-01 00:00:00+00:00 | UTC
9 2024-02-28T22:05:09.000000 | +0000 UTC | 2024-01-01T00:00:00+00:00 | 1704067200.0 | 1 10921`);
  });

  it('run_started_at is one instant for every node of a run, in UTC', async () => {
    const project = loadProject({ projectDir: tempProject({ 'models/a.sql': '{{ run_started_at }}', 'models/b.sql': '{{ run_started_at }}' }), env: {} });
    // the runner gives every compile of a run the run's start
    const starts: Record<string, Date> = { 'run-1': new Date(Date.UTC(2026, 10, 28, 2, 10, 0, 123)), 'run-2': new Date(Date.UTC(2026, 10, 28, 2, 11, 0, 456)) };
    const at = async (name: string, invocationId: string) => (await compileNode(project, project.nodes.get(`model.demo.${name}`)!, { invocationId, runStartedAt: starts[invocationId] })).compiledCode;
    const a = await at('a', 'run-1');
    await new Promise((r) => setTimeout(r, 5));
    expect(a).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
    expect(await at('b', 'run-1')).toBe(a);
    expect(await at('b', 'run-2')).not.toBe(a);
  });

  it('floats print as Python floats, tuples as tuples; round halves to even', async () => {
    const template = `{{ 10 / 2 }} {{ 7 / 2 }} {{ 1.0 }} {{ 1.5 * 2 }} {{ 3 * 2 }} {{ 7 // 2 }} {{ 7.0 // 2 }} {{ 2 ** 3 }} {{ 2 ** -1 }} {{ -1.0 }} {{ 0.1 + 0.2 }} {{ 10000000000000000.0 }} {{ 0.00001 }} {{ 0.0001 }} {{ 7 % 2.0 }} {{ 2.4 | int }} {{ '3' | float }} {{ 3 | float }} {{ (1.0, 2) }} {{ [1.0] }} {{ {'a': 2.0} }} {{ 1.0 == 1 }} {{ 1.5 is float }} {{ 2.0 is number }} {{ '-' * 3 }} {{ [1] * 2 }} {{ 3.0 | abs }} {{ (5 / 5) | string }} {{ '%s|%d|%.2f' % (2.0, 2.7, 1) }} {{ 0.0 or 'empty' }} {{ 100 * 1.1 }}
{{ 0.5 | round }} {{ 1.5 | round }} {{ 2.5 | round }} {{ 2.567 | round(2) }} {{ 2.5 | round(0, 'floor') }} {{ 3 | round }} {{ 3 | round(1, 'ceil') }} {{ zip([1, 2], ['a', 'b', 'c']) | list }} {{ {'k': 1}.items() | list }} {% for a, b in zip([1], [2]) %}{{ a }}{{ b }}{% endfor %} {% for k, v in {'x': 1}.items() %}{{ k }}={{ v }}{% endfor %} {{ ('a', 'b') | join('-') }} {{ 'a' in ('a', 'b') }} {{ ('a', 'b')[1] }}`;
    expect(await sql(template)).toBe(`5.0 3.5 1.0 3.0 6 3 3.0 8 0.5 -1.0 0.30000000000000004 1e+16 1e-05 0.0001 1.0 2 3.0 3.0 (1.0, 2) [1.0] {'a': 2.0} True True True --- [1, 1] 3.0 1.0 2.0|2|1.00 empty 110.00000000000001
0.0 2.0 2.0 2.57 2.0 3 3.0 [(1, 'a'), (2, 'b')] [('k', 1)] 12 x=1 a-b True b`);
  });

  it('before_begin, after_commit and in_transaction make hooks outside or inside the transaction', async () => {
    const { compiled } = await compile({ 'models/m.sql': `{{ config(materialized='table', pre_hook=before_begin("select 'b'"), post_hook=[after_commit("select 'a'"), in_transaction("select 'i'")]) }}select 1` });
    expect(compiled.hooks).toEqual({ pre: [{ sql: "select 'b'", transaction: false }], post: [{ sql: "select 'a'", transaction: false }, { sql: "select 'i'", transaction: true }] });
  });

  it('--empty reads every ref() and source() as no rows, as dbt 1.10 renders it', async () => {
    const files = {
      'models/a.sql': 'select 1 as x',
      'models/e.sql': "{{ config(materialized='ephemeral') }}select 2 as x",
      'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: t\n',
      'models/m.sql': "select * from {{ ref('a') }} join {{ ref('a') }} as y using (x) union all select * from {{ ref('e') }} union all select * from {{ source('raw', 't') }}",
    };
    const { compiled } = await compile(files, 'm', { empty: true });
    // dbt's render_limited, as `dbt compile --empty` printed it for the same refs
    expect(compiled.compiledCode).toBe('with __dbt__cte__e as (\nselect 2 as x\n) select * from (select * from "memory"."main"."a" where false limit 0) join (select * from "memory"."main"."a" where false limit 0) as y using (x) union all select * from __dbt__cte__e union all select * from (select * from "memory"."raw"."t" where false limit 0)');
    expect((await compile(files, 'm')).compiled.compiledCode).toContain('from "memory"."main"."a" join');
  });

  it('a float in config() reaches the config as a number', async () => {
    const { compiled } = await compile({ 'models/m.sql': "{{ config(materialized='table', meta={'ratio': 0.5, 'n': [1.0]}) }}select 1" });
    expect(compiled.config.meta).toEqual({ ratio: 0.5, n: [1] });
  });

  it('renders a model from its file stripped of surrounding whitespace, as dbt does, and reads CRLF as LF', async () => {
    // dbt 1.10 compiles '\n\n  select 1 as a\n\n\n' to 'select 1 as a'
    expect((await compile({ 'models/m.sql': '\n\n  select 1 as a\n\n\n' })).compiled.compiledCode).toBe('select 1 as a');
    expect((await compile({ 'models/m.sql': 'select 1 as a\r\n-- end\r\n\n' })).compiled.compiledCode).toBe('select 1 as a\n-- end');
    expect((await compile({ 'models/m.sql': "\n{{ '  x' }} " })).compiled.compiledCode).toBe('  x');
    // a Jinja error still names the line of the file
    await expect(compile({ 'models/m.sql': '\n\n\nselect {{ nope() }}\n' })).rejects.toThrow(/m\.sql:4/);
  });
});
