import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { CompileError } from '../../src/project/errors.js';
import { loadProject } from '../../src/project/load.js';
import type { ModelNode, SeedNode, SourceNode, TestNode } from '../../src/project/types.js';
import { FIXTURE, tempProject } from './helpers.js';

function fixture(target?: string, vars?: Record<string, unknown>, env: Record<string, string> = {}) {
  return loadProject({ projectDir: FIXTURE, ...(target ? { target } : {}), ...(vars ? { vars } : {}), env });
}

function loadError(files: Record<string, string>, opts: { target?: string } = {}): Error {
  try {
    loadProject({ projectDir: tempProject(files), env: {}, ...opts });
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected loadProject to fail');
}

describe('loading the jaffle fixture', () => {
  it('reads the project, the default duckdb target (path resolved from the cwd) and every node kind', () => {
    const p = fixture();
    expect(p.name).toBe('jaffle');
    expect(p.profileName).toBe('jaffle');
    expect(p.target).toMatchObject({ name: 'dev', type: 'duckdb', schema: 'main', database: 'jaffle', threads: 1, path: `${process.cwd()}/test/fixtures/jaffle/target/jaffle.duckdb` });
    const kinds = [...p.nodes.values()].reduce<Record<string, number>>((acc, n) => ({ ...acc, [n.resourceType]: (acc[n.resourceType] ?? 0) + 1 }), {});
    expect(kinds).toEqual({ model: 9, seed: 2, source: 1, test: 19 });
    expect(p.macros.get('cents_to_dollars')?.uniqueId).toBe('macro.jaffle.cents_to_dollars');
    expect(p.macros.get('test_is_positive')?.arguments).toEqual(['model', 'column_name', 'strict']);
  });

  it('applies folder configs, yml config and config() in dbt precedence, accumulating tags', () => {
    const p = fixture();
    const orders = p.nodes.get('model.jaffle.orders') as ModelNode;
    expect(orders.config.materialized).toBe('table');
    expect(orders.config.tags).toEqual(['marts', 'finance']);
    expect(orders.config.meta).toEqual({ owner: 'finance' });
    expect(orders.config.partition_by).toEqual({ field: 'order_date', data_type: 'date', granularity: 'day' });
    expect(orders.config.cluster_by).toEqual(['customer_id']);
    expect(orders.relation).toEqual({ database: 'jaffle', schema: 'main_marts', identifier: 'orders' });
    expect(orders.fqn).toEqual(['jaffle', 'marts', 'orders']);
    expect(orders.dependsOn.nodes).toEqual(['model.jaffle.stg_orders', 'model.jaffle.int_order_payments']);
    expect(p.nodes.get('model.jaffle.int_order_payments')?.config.materialized).toBe('ephemeral');
    expect(p.nodes.get('model.jaffle.stg_orders')?.config).toMatchObject({ materialized: 'view', tags: ['staging'] });
    expect(p.nodes.get('seed.jaffle.raw_payments')?.config).toMatchObject({ column_types: { amount: 'integer' }, tags: ['raw'] });
    const status = p.nodes.get('model.jaffle.order_status') as ModelNode;
    expect(status.config).toMatchObject({ materialized: 'incremental', incremental_strategy: 'delete+insert', unique_key: 'order_id', on_schema_change: 'append_new_columns' });
  });

  it('evaluates dispatched macros inside config() at parse time, and --vars override project vars', () => {
    expect(fixture().nodes.get('model.jaffle.daily_orders')?.config.incremental_strategy).toBe('delete+insert');
    expect(fixture('bq').nodes.get('model.jaffle.daily_orders')?.config.incremental_strategy).toBe('insert_overwrite');
    expect(fixture(undefined, { overwrite_strategy: 'insert_overwrite' }).nodes.get('model.jaffle.daily_orders')?.config.incremental_strategy).toBe('insert_overwrite');
    expect(fixture(undefined, { lookback_days: 9 }).vars.lookback_days).toBe(9);
  });

  it('reads sources with a rendered external_location, loaded_at_field and freshness', () => {
    const src = fixture(undefined, undefined, { JAFFLE_RAW_DIR: '/data/raw' }).nodes.get('source.jaffle.shop.orders') as SourceNode;
    expect(src.externalLocation).toBe("read_parquet('/data/raw/orders/dt=*/*.parquet', hive_partitioning = true)");
    expect(src.relation).toEqual({ database: 'jaffle', schema: 'raw_shop', identifier: 'orders' });
    expect(src.loadedAtField).toBe('ordered_at');
    expect(src.freshness).toEqual({ warn_after: { count: 1, period: 'day' }, error_after: { count: 36500, period: 'day' } });
  });

  it('builds generic test nodes with dbt names, test_metadata, kwargs and config', () => {
    const tests = [...fixture().nodes.values()].filter((n): n is TestNode => n.resourceType === 'test');
    const warn = tests.find((t) => t.name === 'accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer');
    expect(warn?.relation.identifier).toBe('accepted_values_stg_payments_8385aaee52e46b44ac5264d3cc4690a0');
    expect(warn?.config.severity).toBe('warn');
    expect(warn?.testMetadata).toEqual({ name: 'accepted_values', namespace: null, kwargs: { column_name: 'payment_method', values: ['credit_card', 'coupon', 'bank_transfer'], model: "{{ get_where_subquery(ref('stg_payments')) }}" } });
    expect(warn?.attachedNode).toBe('model.jaffle.stg_payments');
    expect(warn?.columnName).toBe('payment_method');
    const rel = tests.find((t) => t.name === 'relationships_orders_customer_id__customer_id__ref_customers_');
    expect(rel?.dependsOn.nodes).toEqual(['model.jaffle.customers', 'model.jaffle.orders']);
    expect(rel?.testMetadata?.kwargs.to).toBe("ref('customers')");
    expect(tests.find((t) => t.name === 'is_positive_customers_number_of_orders__False')?.testMetadata?.kwargs.strict).toBe(false);
    const where = tests.find((t) => t.name === 'accepted_values_orders_status__placed__shipped__completed__returned');
    expect(where?.config.where).toBe("order_date >= '2024-01-01'");
    expect(tests.find((t) => t.name === 'source_not_null_shop_orders_id')?.dependsOn.nodes).toEqual(['source.jaffle.shop.orders']);
    const singular = tests.find((t) => t.name === 'assert_order_totals_match_payments');
    expect(singular?.testMetadata).toBeUndefined();
    expect(singular?.dependsOn.nodes).toEqual(['model.jaffle.orders', 'model.jaffle.stg_payments']);
  });

  it('reads a bigquery target', () => {
    expect(fixture('bq').target).toEqual({ name: 'bq', type: 'bigquery', project: 'stratum-demo', dataset: 'jaffle', schema: 'jaffle', database: 'stratum-demo', location: 'US', method: 'oauth', threads: 4, extra: {} });
  });
});

describe('Jinja in dbt_project.yml', () => {
  // dbt 1.10 lists this project's model as materialized 'table' with tags ['dev', 'nox'] and its
  // post-hook as written: the config trees are rendered with vars, env_var and target, hooks later
  const project = `name: demo
profile: demo
config-version: 2
vars:
  mat: table
models:
  demo:
    +materialized: "{{ var('mat', 'view') }}"
    +tags: ["{{ target.name }}", "{{ env_var('TAGX', 'nox') }}"]
    +post-hook: "select '{{ this }}'"
`;

  it('renders the config trees with vars, env_var and target, and leaves hooks to their node', () => {
    const p = loadProject({ projectDir: tempProject({ 'dbt_project.yml': project, 'models/m.sql': 'select 1 as a' }), env: {} });
    const m = p.nodes.get('model.demo.m') as ModelNode;
    expect(m.config.materialized).toBe('table');
    expect(m.config.tags).toEqual(['dev', 'nox']);
    expect(m.config['post-hook']).toEqual(["select '{{ this }}'"]);
  });

  it('a value that cannot be rendered names dbt_project.yml and its key', () => {
    const err = loadError({ 'dbt_project.yml': project.replace("var('mat', 'view')", "var('nope')"), 'models/m.sql': 'select 1 as a' });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/dbt_project\.yml:8.*models\.demo\.\+materialized.*Required var 'nope'/);
  });

  it('renders the seeds, sources and data_tests trees too, and leaves +pre-hook and +post_hook as written', () => {
    const trees = `name: demo
profile: demo
config-version: 2
models:
  demo:
    +pre-hook: "select '{{ this }}'"
    +post_hook: "select 2 from {{ this }}"
seeds:
  demo:
    +tags: ["{{ target.name }}"]
sources:
  demo:
    +tags: ["{{ target.name }}_src"]
data_tests:
  demo:
    +severity: "{{ 'warn' }}"
`;
    const p = loadProject({ projectDir: tempProject({
      'dbt_project.yml': trees, 'models/m.sql': 'select 1 as a', 'seeds/s.csv': 'a\n1\n',
      'models/props.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: t\nmodels:\n  - name: m\n    columns:\n      - name: a\n        data_tests: [not_null]\n',
    }), env: {} });
    const m = p.nodes.get('model.demo.m') as ModelNode;
    expect(m.config['pre-hook']).toEqual(["select '{{ this }}'"]);
    expect(m.config['post-hook']).toEqual(['select 2 from {{ this }}']);
    expect((p.nodes.get('seed.demo.s') as SeedNode).config.tags).toEqual(['dev']);
    expect((p.nodes.get('source.demo.raw.t') as SourceNode).config.tags).toEqual(['dev_src']);
    expect(([...p.nodes.values()].find((n) => n.resourceType === 'test') as TestNode).config.severity).toBe('warn');
  });

  it('a value of data_tests that cannot be rendered is named under data_tests', () => {
    const err = loadError({ 'dbt_project.yml': "name: demo\nprofile: demo\ndata_tests:\n  demo:\n    +severity: \"{{ var('nope') }}\"\n", 'models/m.sql': 'select 1 as a' });
    expect(err.message).toMatch(/dbt_project\.yml:5.*data_tests\.demo\.\+severity.*Required var 'nope'/);
  });
});

describe('load errors name the file, line and key', () => {
  it('a YAML syntax error', () => {
    const e = loadError({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    description: [unclosed\n' });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/^models\/schema\.yml:\d+:\d+: invalid YAML/);
  });

  it('a file of two documents, in words of its own', () => {
    expect(loadError({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n---\nversion: 2\n' }).message)
      .toBe('models/schema.yml:4:1: invalid YAML: the file holds more than one document (a second begins with this ---)');
  });

  it('an alias with no anchor before it, and aliases that expand without end', () => {
    expect(loadError({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    description: *nope\n' }).message)
      .toBe('models/schema.yml:4:18: invalid YAML: alias *nope has no anchor &nope before it');
    expect(loadError({ 'dbt_project.yml': 'name: demo\nprofile: demo\nvars:\n  x: *late\n  y: &late 1\n' }).message)
      .toBe('dbt_project.yml:4:6: invalid YAML: alias *late has no anchor &late before it');
    const laughs = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    expect(loadError({ 'models/schema.yml': `version: 2\n${laughs}\n` }).message).toBe('models/schema.yml: invalid YAML: its aliases expand to more than 1,000 values');
  });

  it('a key that a `<<` merge key or an alias brings in, at its own line, as dbt (PyYAML) merges it', () => {
    const profiles = (dev: string) => `base: &base\n  type: duckdb\n  threads: many\ndemo:\n  target: dev\n  outputs:\n    dev:${dev}\n`;
    for (const dev of ['\n      <<: *base\n      path: x.duckdb', ' *base']) {
      expect(loadError({ 'profiles.yml': profiles(dev) }).message).toMatch(/\/profiles\.yml:3 \(demo\.outputs\.dev\.threads\): threads must be a positive integer, got 'many'$/);
    }
    expect(loadError({ 'dbt_project.yml': 'name: demo\nprofile: demo\nvars: &v\n  model_paths: [x]\n<<: *v\n' }).message)
      .toBe("dbt_project.yml:4 (model_paths): unknown key 'model_paths'; did you mean 'model-paths'?");
    const props = 'version: 2\nmodels:\n  - name: a\n    columns:\n      - &col\n        name: id\n        tests: [unique]\n      - <<: *col\n        name: id2\n        data_tests: [not_null]\n';
    expect(loadError({ 'models/a.sql': 'select 1 as id, 2 as id2', 'models/a.yml': props }).message)
      .toBe("models/a.yml:7 (models[0].columns[1].tests): has both 'tests' and 'data_tests'; keep one ('data_tests' is dbt's name now)");
    // what cannot be merged is one line at the merge key, not the yaml package's stack
    const bad = loadError({ 'profiles.yml': profiles('\n      <<: [*base, 3]') });
    expect(bad).toBeInstanceOf(ConfigError);
    expect(bad.message).toMatch(/\/profiles\.yml:8:7: invalid YAML: a merge key << takes a mapping, an alias of one, or a list of them; got a scalar$/);
    expect(loadError({ 'profiles.yml': profiles('\n      <<: *nope') }).message).toMatch(/\/profiles\.yml:8:11: invalid YAML: alias \*nope has no anchor &nope before it$/);
  });

  it('a bad dbt_project.yml key', () => {
    const e = loadError({ 'dbt_project.yml': 'config-version: 2\nname: 12-bad\nprofile: demo\n' });
    expect(e.message).toBe("dbt_project.yml:2 (name): name must be a valid identifier (letters, digits, underscores), got '12-bad'");
    const paths = loadError({ 'dbt_project.yml': 'name: demo\nprofile: demo\nmodel-paths: models\n' });
    expect(paths.message).toBe('dbt_project.yml:3 (model-paths): model-paths must be a list of folder names');
  });

  it('refuses what dbt refuses in dbt_project.yml: an unknown key, another config-version, no profile', () => {
    expect(loadError({ 'dbt_project.yml': 'name: demo\nprofile: demo\nmodel_paths: [modelz]\n' }).message)
      .toBe("dbt_project.yml:3 (model_paths): unknown key 'model_paths'; did you mean 'model-paths'?");
    expect(loadError({ 'dbt_project.yml': 'name: demo\nprofile: demo\nconfig-version: 3\n' }).message).toBe('dbt_project.yml:3 (config-version): config-version must be 2, got 3');
    expect(loadError({ 'dbt_project.yml': 'name: demo\n' }).message).toBe("dbt_project.yml:1 (name): no profile is named: add 'profile: demo' (the profile in profiles.yml to connect with)");
  });

  it('refuses a column or model with both tests and data_tests, as dbt does', () => {
    const e = loadError({ 'models/a.sql': 'select 1 as id', 'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        tests: [unique]\n        data_tests: [not_null]\n' });
    expect(e.message).toBe("models/a.yml:6 (models[0].columns[0].tests): has both 'tests' and 'data_tests'; keep one ('data_tests' is dbt's name now)");
  });

  it('warns of settings that apply to nothing: a yml entry of no model, an unused config path, unsupported keys', () => {
    const p = loadProject({ env: {}, projectDir: tempProject({
      'dbt_project.yml': 'name: demo\nprofile: demo\nquoting:\n  identifier: true\nmodels:\n  demo:\n    staging:\n      +materialized: table\n    stagng:\n      +tags: [x]\nseeds:\n  demo:\n    +tags: [raw]\n',
      'models/staging/stg_orders.sql': 'select 1 as id',
      'models/staging/_staging.yml': 'version: 2\nmodels:\n  - name: stg_orders\n  - name: stg_ordrs\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    }) });
    expect(p.warnings).toEqual([
      "dbt_project.yml:3 (quoting): Stratum does not support 'quoting'; it is ignored",
      "models/staging/_staging.yml:4 (models[1].name): no model named 'stg_ordrs': its properties and tests apply to nothing; did you mean 'stg_orders'?",
      // dbt parse lists the same two: models.demo.stagng, seeds.demo
      'dbt_project.yml:9 (models.demo.stagng): models.demo.stagng applies to no model (an unused configuration path)',
      'dbt_project.yml:12 (seeds.demo): seeds.demo applies to no seed (an unused configuration path)',
    ]);
    // the misspelt entry's test is not a node
    expect([...p.nodes.values()].filter((n) => n.resourceType === 'test')).toEqual([]);
    expect(fixture().warnings).toEqual([]);
  });

  it('an incremental model with an enforced contract must set on_schema_change to append_new_columns or fail, as dbt requires', () => {
    const files = (change: string) => ({
      'models/inc.sql': `{{ config(materialized='incremental'${change}) }}select 1 as n`,
      'models/s.yml': 'version: 2\nmodels:\n  - name: inc\n    config:\n      contract: {enforced: true}\n    columns:\n      - name: n\n        data_type: integer\n',
    });
    const err = loadError(files(''));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/on_schema_change is 'ignore': an incremental model with an enforced contract must set on_schema_change to 'append_new_columns' or 'fail'/);
    expect(loadError(files(", on_schema_change='sync_all_columns'")).message).toMatch(/on_schema_change is 'sync_all_columns'/);
    expect(loadProject({ projectDir: tempProject(files(", on_schema_change='fail'")), env: {} }).nodes.has('model.demo.inc')).toBe(true);
  });

  it('a bad materialization names the model file', () => {
    const e = loadError({ 'models/a.sql': "{{ config(materialized='tabel') }}\nselect 1" });
    expect(e.message).toBe("models/a.sql (materialized): materialized must be one of view, table, incremental, ephemeral, got 'tabel'");
  });

  it('profile errors: missing target, unknown type, missing env var', () => {
    expect(loadError({}, { target: 'prod' }).message).toMatch(/profiles\.yml:3 \(demo\.outputs\): target 'prod' not found in profile 'demo' \(outputs: dev, bq\)$/);
    const t = loadError({ 'profiles.yml': 'demo:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n' });
    expect(t.message).toMatch(/profiles\.yml:5 \(demo\.outputs\.dev\.type\): unsupported target type 'postgres'/);
    const env = loadError({ 'profiles.yml': "demo:\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('NOPE_PATH') }}\"\n" });
    expect(env.message).toMatch(/profiles\.yml:5 \(demo\.outputs\.dev\.path\): Env var required but not provided: 'NOPE_PATH'$/);
  });

  it('an unknown ref names the model file and line', () => {
    const e = loadError({ 'models/a.sql': 'select 1 as x\nfrom {{ ref("missing_model") }}' });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe("models/a.sql:2: ref('missing_model') refers to a model, seed or snapshot that does not exist or is disabled");
  });

  it('an unknown generic test and a bad test entry name the yml key', () => {
    const e = loadError({ 'models/a.sql': 'select 1 as id', 'models/s.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [nonexistent]\n' });
    expect(e.message).toMatch(/^models\/s\.yml:6 \(models\[0\]\.columns\[0\]\.data_tests\[0\]\): unknown test 'nonexistent'/);
    const bad = loadError({ 'models/a.sql': 'select 1 as id', 'models/s.yml': 'version: 2\nmodels:\n  - name: a\n    data_tests:\n      - {unique: 1, not_null: 2}\n' });
    expect(bad.message).toMatch(/^models\/s\.yml:5 \(models\[0\]\.data_tests\[0\]\): a test mapping must have exactly one key/);
  });

  it('an argument a generic test does not take names the yml key (dbt: "takes no keyword argument")', () => {
    const typo = (args: string) => loadError({ 'models/a.sql': 'select 1 as id', 'models/s.yml': `version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - accepted_values:\n${args}` });
    expect(typo('              valus: [1]\n').message).toBe("models/s.yml:7 (models[0].columns[0].data_tests[0]): test 'accepted_values' takes no argument 'valus'; did you mean 'values'? (it takes values, quote)");
    expect(typo('              arguments:\n                values: [1]\n                qoute: false\n').message).toMatch(/takes no argument 'qoute'; did you mean 'quote'\?/);
    // a bad config value names the test entry's key path, not the bare key
    expect(typo('              values: [1]\n              config:\n                severity: fatal\n').message)
      .toBe("models/s.yml:7 (models[0].columns[0].data_tests[0].severity): severity must be error or warn, got 'fatal'");
    // a custom test that reads Jinja's catch-all kwargs takes any
    const p = loadProject({ env: {}, projectDir: tempProject({ 'models/a.sql': 'select 1 as id',
      'macros/t.sql': '{% test anything(model, column_name) %}select * from {{ model }} where {{ kwargs.get("cond", "false") }}{% endtest %}',
      'models/s.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - anything:\n              cond: id < 0\n' }) });
    expect([...p.nodes.values()].filter((n) => n.resourceType === 'test')).toHaveLength(1);
  });

  it('a Jinja syntax error is a CompileError at the file and line', () => {
    const e = loadError({ 'models/a.sql': 'select 1\n\n{% if true %}\nselect 2' });
    expect(e).toBeInstanceOf(CompileError);
    expect((e as CompileError).exitCode).toBe(2);
    expect(e.message).toMatch(/^models\/a\.sql:\d+(:\d+)?: .*(endif|end of file)/i);
  });

  it('an unknown filter in a macro is named at the macro\'s file and line, not at its caller\'s', () => {
    const e = loadError({ 'models/m.sql': "select {{ shout('x') }} as a", 'macros/shout.sql': '{% macro other() %}1{% endmacro %}\n\n{% macro shout(s) %}\n  {{ s | upper | nofilter }}\n{% endmacro %}\n' });
    expect(e).toBeInstanceOf(CompileError);
    expect(e.message).toBe("macros/shout.sql:4:18: no filter named 'nofilter'");
  });

  it('duplicate macros across files are reported with both files', () => {
    const e = loadError({ 'macros/a.sql': '{% macro m() %}1{% endmacro %}', 'macros/b.sql': '\n{% macro m() %}2{% endmacro %}' });
    expect(e.message).toBe("macros/b.sql:2 (m): macro 'm' is defined twice (also in macros/a.sql)");
  });

  it('disabled models disappear, and refs to them fail', () => {
    const e = loadError({ 'models/a.sql': "{{ config(enabled=false) }} select 1", 'models/b.sql': "select * from {{ ref('a') }}" });
    expect(e.message).toMatch(/^models\/b\.sql:1: ref\('a'\) refers to a model, seed or snapshot that does not exist or is disabled$/);
  });
});
