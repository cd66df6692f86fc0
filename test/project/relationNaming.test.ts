/**
 * Relation naming as dbt-core 1.10 does it: a project's own `generate_schema_name`,
 * `generate_alias_name` and `generate_database_name` (which may call dbt's `default__` versions)
 * name every model, seed and test; ephemeral models become `__dbt__cte__<alias>` CTEs, injected
 * with dbt's exact whitespace. The expected names and SQL are what dbt-core 1.10.23 with
 * dbt-duckdb 1.10.1 produced for these very projects; the last test builds one with both.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { compileNode } from '../../src/project/compile.js';
import { CompileError } from '../../src/project/errors.js';
import { loadProject } from '../../src/project/load.js';
import { dbtBuild, hasDbt, stratumBuild, warnIfNoDbt } from '../twoEngines.js';
import { tempProject } from './helpers.js';

const NAMING_MACROS = `{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ default__generate_schema_name(custom_schema_name, node) }}
  {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name | trim }}
  {%- elif node.resource_type == 'model' -%}m_{{ node.name }}
  {%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro %}
`;

const NAMING_FILES = {
  'dbt_project.yml': 'name: demo\nprofile: demo\nconfig-version: 2\nmodels:\n  demo:\n    sub:\n      +schema: subs\n',
  'macros/naming.sql': NAMING_MACROS,
  'models/a.sql': "{{ config(alias='a_alias', materialized='table') }}\nselect 1 as x\n",
  'models/b.sql': "{{ config(schema='custom') }}\nselect * from {{ ref('a') }}\n",
  'models/sub/c.sql': "select * from {{ ref('b') }}\n",
  'models/sub/d.sql': "{{ config(schema=' spaced ', alias='dd') }}\nselect * from {{ ref('c') }}\n",
  'seeds/s.csv': 'id\n1\n',
};

const named = (files: Record<string, string>, env: Record<string, string> = {}) => {
  const project = loadProject({ projectDir: tempProject(files), env });
  return Object.fromEntries([...project.nodes.values()].filter((n) => n.resourceType !== 'source').map((n) => [n.name, `${n.relation.schema}.${n.relation.identifier}`]));
};

describe('relation naming through the project\'s generate_*_name macros', () => {
  it('generate_schema_name (calling default__generate_schema_name) and generate_alias_name name models and seeds', () => {
    expect(named(NAMING_FILES)).toEqual({ a: 'main.a_alias', b: 'custom.m_b', c: 'subs.m_c', d: 'spaced.dd', s: 'main.s' });
  });

  it('generate_database_name, generate_schema_name_for_env and a dispatched default__ override', () => {
    const files = {
      'macros/naming.sql': `{% macro generate_database_name(custom_database_name=none, node=none) -%}{{ 'other' if node.fqn[1] == 'ext' else target.database }}{%- endmacro %}
{% macro generate_schema_name(custom_schema_name, node) -%}{{ generate_schema_name_for_env(custom_schema_name, node) }}{%- endmacro %}
{% macro default__generate_alias_name(custom_alias_name=none, node=none) -%}  {{ node.name | upper }}  {%- endmacro %}`,
      'models/ext/e.sql': "{{ config(schema='x') }}\nselect 1 as x\n",
      'models/m.sql': "{{ config(schema='x') }}\nselect 1 as x\n",
    };
    const project = loadProject({ projectDir: tempProject(files), env: {} });
    expect(project.nodes.get('model.demo.e')?.relation).toEqual({ database: 'other', schema: 'main', identifier: 'E' });
    expect(project.nodes.get('model.demo.m')?.relation).toEqual({ database: 'memory', schema: 'main', identifier: 'M' });
  });

  it('a generic test\'s failures relation goes through generate_schema_name with dbt_test__audit', () => {
    const files = {
      'macros/naming.sql': '{% macro generate_schema_name(custom_schema_name, node) -%}{{ custom_schema_name or target.schema }}{%- endmacro %}',
      'models/m.sql': 'select 1 as id\n',
      'models/m.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        tests: [not_null]\n',
    };
    const project = loadProject({ projectDir: tempProject(files), env: {} });
    const test = [...project.nodes.values()].find((n) => n.resourceType === 'test');
    expect(test?.relation.schema).toBe('dbt_test__audit');
    expect(project.nodes.get('model.demo.m')?.relation.schema).toBe('main');
  });

  it('a naming macro that fails is a CompileError naming the node\'s file', () => {
    const files = {
      'macros/naming.sql': "{% macro generate_schema_name(custom_schema_name, node) -%}{{ exceptions.raise_compiler_error('no schema for ' ~ node.name) }}{%- endmacro %}",
      'models/m.sql': 'select 1 as id\n',
    };
    expect(() => loadProject({ projectDir: tempProject(files), env: {} })).toThrow(CompileError);
    expect(() => loadProject({ projectDir: tempProject(files), env: {} })).toThrow(/models\/m\.sql.*no schema for m/);
  });
});

describe('ephemeral models as CTEs, as dbt compiles them', () => {
  const files = {
    'models/eph_src.sql': "{{ config(materialized='ephemeral', alias='src_alias') }}\nselect 42 as v",
    'models/eph2.sql': "{{ config(materialized='ephemeral') }}\n-- a comment first\nwith x as (select v * 2 as w from {{ ref('eph_src') }})\nselect w from x",
    'models/final.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('eph2') }}\nunion all\nselect v from {{ ref('eph_src') }}",
    'models/twice.sql': "select (select count(*) from {{ ref('eph_src') }}) as n, * from {{ ref('eph_src') }}",
    'models/withed.sql': "-- head\nwith\n  x as (select * from {{ ref('eph_src') }}) select * from x",
  };

  it('names the CTE after the ephemeral model\'s alias and injects with dbt\'s whitespace', async () => {
    const project = loadProject({ projectDir: tempProject(files), env: {} });
    const code = async (name: string) => (await compileNode(project, project.nodes.get(`model.demo.${name}`)!)).compiledCode;
    expect(await code('twice')).toBe('with __dbt__cte__src_alias as (\n\nselect 42 as v\n) select (select count(*) from __dbt__cte__src_alias) as n, * from __dbt__cte__src_alias');
    expect(await code('final')).toBe(
      '\nwith __dbt__cte__src_alias as (\n\nselect 42 as v\n),  __dbt__cte__eph2 as (\n\n-- a comment first\nwith x as (select v * 2 as w from __dbt__cte__src_alias)\nselect w from x\n) select * from __dbt__cte__eph2\nunion all\nselect v from __dbt__cte__src_alias',
    );
    expect(await code('withed')).toBe('-- head\nwith\n   __dbt__cte__src_alias as (\n\nselect 42 as v\n), x as (select * from __dbt__cte__src_alias) select * from x');
  });
});

describe('naming with dbt-core + dbt-duckdb', () => {
  warnIfNoDbt('relation naming compared with dbt');
  it.skipIf(!hasDbt)('dbt and Stratum build the same relations from the same naming macros', async () => {
    const relations = async (dir: string, db: string) => {
      const instance = await DuckDBInstance.create(join(dir, db));
      const con = await instance.connect();
      try {
        const sql = "select schema_name, table_name, 'table' from duckdb_tables() union all select schema_name, view_name, 'view' from duckdb_views() where not internal order by all";
        return (await con.runAndReadAll(sql)).getRows();
      } finally {
        con.closeSync();
        instance.closeSync();
      }
    };
    const profile = "demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('DB') }}\"\n      threads: 1\n";
    const dir = tempProject({ ...NAMING_FILES, 'profiles.yml': profile });
    dbtBuild(dir, { DB: join(dir, 'dbt.duckdb') });
    await stratumBuild(dir, { ...process.env, DB: join(dir, 'stratum.duckdb') });
    const ours = await relations(dir, 'stratum.duckdb');
    expect(ours).toEqual(await relations(dir, 'dbt.duckdb'));
    expect(ours).toContainEqual(['custom', 'm_b', 'view']);
  }, 120_000);
});
