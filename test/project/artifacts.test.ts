/**
 * Stratum's artifacts against what dbt-core 1.10 + dbt-duckdb 1.10 write for the same project:
 * the expected values below were produced by dbt (`dbt parse` / `dbt build`) and pasted here,
 * so these tests run without dbt.
 */
import { describe, expect, it } from 'vitest';
import { compileNode } from '../../src/project/compile.js';
import { loadProject } from '../../src/project/load.js';
import { buildManifest } from '../../src/project/manifest.js';
import { pyNumber, pyRepr } from '../../src/project/pythonRepr.js';
import type { Project, ProjectNode } from '../../src/project/types.js';
import { FIXTURE, tempProject } from './helpers.js';

/** A small project with the test shapes whose names and ids dbt computes differently. */
const MINI = {
  'seeds/people.csv': 'id,name\n1,a\n2,b\n2,c\n',
  'models/ok.sql': "select * from {{ ref('people') }}\n",
  'models/child.sql': "select * from {{ ref('ok') }}\n",
  'macros/has_rows.sql': '{% test has_rows(model) %}\nselect 1 where (select count(*) from {{ model }}) = 0\n{% endtest %}\n',
  'models/schema.yml': `version: 2
models:
  - name: ok
    columns:
      - name: id
        data_tests:
          - unique
          - not_null:
              config:
                severity: warn
          - accepted_values:
              arguments:
                values: [1, 2, 3.5, true, null, "it's"]
      - name: name
        data_tests:
          - dbt.not_null:
              name: my_named_test
          - accepted_values:
              values: ['a_very_long_value_that_pushes_the_name_way_past_sixty_four_characters', 'b']
              severity: warn
              where: "id > 0"
  - name: child
    columns:
      - name: id
        data_tests: [not_null]
`,
  'models/src.yml': `version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: people
        data_tests:
          - has_rows
        columns:
          - name: id
            data_tests:
              - dbt.not_null
              - relationships:
                  arguments:
                    to: ref('ok')
                    field: id
                  config:
                    where: "id > 1"
                    store_failures: true
`,
};

function mini(): Project {
  return loadProject({ projectDir: tempProject(MINI), env: {} });
}

const testIds = (p: Project): string[] => [...p.nodes.keys()].filter((id) => id.startsWith('test.')).sort();
const byName = (p: Project, name: string): ProjectNode => [...p.nodes.values()].find((n) => n.resourceType === 'test' && n.name === name)!;

describe('generic test unique ids', () => {
  it('equal the ids dbt gives the jaffle fixture', () => {
    const p = loadProject({ projectDir: FIXTURE, env: {} });
    expect(testIds(p)).toEqual([
      'test.jaffle.accepted_values_orders_status__placed__shipped__completed__returned.69dce9e5d5',
      'test.jaffle.accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer.1a6bf817f5',
      'test.jaffle.assert_order_totals_match_payments',
      'test.jaffle.is_positive_customers_number_of_orders__False.afd59a8e73',
      'test.jaffle.is_positive_stg_payments_amount.7e7ff5ecca',
      'test.jaffle.not_null_customers_customer_id.5c9bf9911d',
      'test.jaffle.not_null_orders_order_id.cf6c17daed',
      'test.jaffle.not_null_stg_customers_customer_id.e2cfb1f9aa',
      'test.jaffle.not_null_stg_orders_order_id.81cfe2fe64',
      'test.jaffle.not_null_stg_payments_payment_id.c19cc50075',
      'test.jaffle.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2',
      'test.jaffle.relationships_stg_orders_customer_id__customer_id__ref_stg_customers_.430bf21500',
      'test.jaffle.source_accepted_values_shop_orders_status__placed__shipped__completed__returned.0d985a6ecf',
      'test.jaffle.source_not_null_shop_orders_id.5be7e9a27b',
      'test.jaffle.unique_customers_customer_id.c5af1ff4b1',
      'test.jaffle.unique_order_status_order_id.daf34906ea',
      'test.jaffle.unique_orders_order_id.fed79b3a6e',
      'test.jaffle.unique_stg_customers_customer_id.c7614daada',
      'test.jaffle.unique_stg_payments_payment_id.3744510712',
    ]);
  });

  it('equal dbt\'s for named, namespaced, long-named, argument-less and source tests', () => {
    expect(testIds(mini())).toEqual([
      'test.demo.accepted_values_ok_id__1__2__3_5__True__None__it_s.c4095efcad',
      'test.demo.accepted_values_ok_name__a_very_long_value_that_pushes_the_name_way_past_sixty_four_characters__b.588eeb559a',
      'test.demo.dbt_source_not_null_raw_people_id.ccd5cc838b',
      'test.demo.my_named_test.ff491a3167',
      'test.demo.not_null_child_id.540cad9ac1',
      'test.demo.not_null_ok_id.054f18ea36',
      'test.demo.source_has_rows_raw_people_.39083e3afd',
      'test.demo.source_relationships_raw_people_id__id__ref_ok_.7188298a7f',
      'test.demo.unique_ok_id.f6dce0ddef',
    ]);
  });

  it("with float arguments, as dbt names them and renders them (1.0 is '1.0', a YAML float a Python float)", async () => {
    const dir = tempProject({
      'models/m.sql': "select '1.0' as s, 1.0 as n\n",
      'models/schema.yml': `version: 2
models:
  - name: m
    columns:
      - name: s
        tests:
          - accepted_values:
              values: [1.0, 2.5]
      - name: n
        tests:
          - accepted_values:
              values: [1.0, 2.0]
              quote: false
          - at_least:
              min: 0.0
`,
      'macros/at_least.sql': '{% test at_least(model, column_name, min) %}\nselect * from {{ model }} where {{ column_name }} < {{ min }}\n{% endtest %}\n',
    });
    const p = loadProject({ projectDir: dir, env: {} });
    // dbt 1.10's ids for this project
    expect(testIds(p)).toEqual(['test.demo.accepted_values_m_n__False__1_0__2_0.2f4ad0a0f5', 'test.demo.accepted_values_m_s__1_0__2_5.224bc83e58', 'test.demo.at_least_m_n__0_0.85c452a93b']);
    const sql = async (id: string) => (await compileNode(p, p.nodes.get(id)!, {})).compiledCode;
    expect(await sql('test.demo.at_least_m_n__0_0.85c452a93b')).toMatch(/where n < 0\.0$/m);
    // dbt's accepted_values quotes '1.0', so the string column passes
    expect(await sql('test.demo.accepted_values_m_s__1_0__2_5.224bc83e58')).toContain("'1.0','2.5'");
  });

  it('hash a long name into dbt\'s alias and file name', () => {
    const t = byName(mini(), 'accepted_values_ok_name__a_very_long_value_that_pushes_the_name_way_past_sixty_four_characters__b');
    expect(t.path).toBe('accepted_values_ok_867416555e9eb60a5f0456eca477c161.sql');
    expect(t.relation.identifier).toBe('accepted_values_ok_867416555e9eb60a5f0456eca477c161');
  });
});

describe('generic test nodes', () => {
  it('have dbt\'s raw_code: namespaced macro, then the configs written on the test', () => {
    const p = mini();
    expect(byName(p, 'unique_ok_id').rawCode).toBe('{{ test_unique(**_dbt_generic_test_kwargs) }}');
    expect(byName(p, 'not_null_ok_id').rawCode).toBe('{{ test_not_null(**_dbt_generic_test_kwargs) }}{{ config(severity="warn") }}');
    expect(byName(p, 'my_named_test').rawCode).toBe('{{ dbt.test_not_null(**_dbt_generic_test_kwargs) }}');
    expect(byName(p, 'accepted_values_ok_name__a_very_long_value_that_pushes_the_name_way_past_sixty_four_characters__b').rawCode).toBe(
      '{{ test_accepted_values(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",where="id > 0",alias="accepted_values_ok_867416555e9eb60a5f0456eca477c161") }}',
    );
    expect(byName(p, 'source_relationships_raw_people_id__id__ref_ok_').rawCode).toBe(
      '{{ test_relationships(**_dbt_generic_test_kwargs) }}{{ config(where="id > 1",store_failures=True) }}',
    );
  });

  it('have dbt\'s test_metadata kwargs: arguments as written, then column_name and model', () => {
    const p = loadProject({ projectDir: FIXTURE, env: {} });
    const t = byName(p, 'relationships_orders_customer_id__customer_id__ref_customers_');
    expect(t.resourceType === 'test' && t.testMetadata).toEqual({
      name: 'relationships', namespace: null,
      kwargs: { to: "ref('customers')", field: 'customer_id', column_name: 'customer_id', model: "{{ get_where_subquery(ref('orders')) }}" },
    });
    expect(t.resourceType === 'test' && Object.keys(t.testMetadata!.kwargs)).toEqual(['to', 'field', 'column_name', 'model']);
    const s = byName(p, 'source_not_null_shop_orders_id');
    expect(s.resourceType === 'test' && s.testMetadata!.kwargs).toEqual({ column_name: 'id', model: "{{ get_where_subquery(source('shop', 'orders')) }}" });
  });

  it('find refs in dbt\'s order: the arguments\' refs before the tested model', () => {
    const t = byName(loadProject({ projectDir: FIXTURE, env: {} }), 'relationships_orders_customer_id__customer_id__ref_customers_');
    expect(t.refs).toEqual([['customers'], ['orders']]);
    expect(t.dependsOn.nodes).toEqual(['model.jaffle.customers', 'model.jaffle.orders']);
  });
});

describe('manifest.json', () => {
  const manifest = () => buildManifest(loadProject({ projectDir: FIXTURE, env: {} }), { invocationId: 'inv-1' }) as {
    metadata: Record<string, unknown>; nodes: Record<string, Record<string, unknown>>; sources: Record<string, Record<string, unknown>>; macros: Record<string, Record<string, unknown>>;
  };

  it('has dbt\'s metadata fields', () => {
    const { metadata } = manifest();
    expect(metadata.generated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(metadata).toMatchObject({
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', invocation_id: 'inv-1', env: {}, project_name: 'jaffle',
      project_id: 'f9d1e024ef226b4dca0863d7d3ade287', user_id: null, send_anonymous_usage_stats: false, adapter_type: 'duckdb',
      quoting: { database: true, schema: true, identifier: true, column: null },
    });
  });

  it('checksums and raw_code are dbt\'s: sha256 of the stripped file, none for generic tests', () => {
    const { nodes } = manifest();
    expect(nodes['model.jaffle.orders']!.checksum).toEqual({ name: 'sha256', checksum: 'a2b86fa73bc726d89f74dd3177dcc968da977729bd4ae0d32c504d22b272c3e8' });
    expect(nodes['model.jaffle.orders']!.raw_code).toMatch(/select \* from final$/);
    expect(nodes['seed.jaffle.raw_payments']!.checksum).toEqual({ name: 'sha256', checksum: 'f13e7f807a75ddfe01fa4d8cb5353f1ea830cbbe72d383cab07081eaf8bcda77' });
    expect(nodes['test.jaffle.assert_order_totals_match_payments']!.checksum).toEqual({ name: 'sha256', checksum: '109233288874c2f5b1da6f0c2541215dc71d4fda26b23b81959ce2bc14b462b1' });
    expect(nodes['test.jaffle.unique_orders_order_id.fed79b3a6e']!.checksum).toEqual({ name: 'none', checksum: '' });
  });

  it('models have dbt\'s fields, full config and inferred primary key', () => {
    const m = manifest().nodes['model.jaffle.stg_orders']!;
    expect(Object.keys(m)).toEqual([
      'database', 'schema', 'name', 'resource_type', 'package_name', 'path', 'original_file_path', 'unique_id', 'fqn', 'alias', 'checksum', 'config', 'tags',
      'description', 'columns', 'meta', 'group', 'docs', 'patch_path', 'build_path', 'unrendered_config', 'created_at', 'relation_name', 'raw_code', 'doc_blocks',
      'language', 'refs', 'sources', 'metrics', 'depends_on', 'compiled_path', 'contract', 'access', 'constraints', 'version', 'latest_version',
      'deprecation_date', 'primary_key', 'time_spine',
    ]);
    expect(m.config).toEqual({
      enabled: true, alias: null, schema: null, database: null, tags: ['staging'], meta: {}, group: null, materialized: 'view', incremental_strategy: null,
      batch_size: null, lookback: 1, begin: null, persist_docs: {}, 'post-hook': [], 'pre-hook': [], quoting: {}, column_types: {}, full_refresh: null,
      unique_key: null, on_schema_change: 'ignore', on_configuration_change: 'apply', grants: {}, packages: [], docs: { show: true, node_color: null },
      contract: { enforced: false, alias_types: true }, event_time: null, concurrent_batches: null, access: 'protected', freshness: null,
    });
    expect(m.columns).toEqual({
      order_id: { name: 'order_id', description: '', meta: {}, data_type: null, constraints: [], quote: null, config: { meta: {}, tags: [] }, tags: [], granularity: null, doc_blocks: [] },
      customer_id: { name: 'customer_id', description: '', meta: {}, data_type: null, constraints: [], quote: null, config: { meta: {}, tags: [] }, tags: [], granularity: null, doc_blocks: [] },
    });
    const { nodes } = manifest();
    expect(nodes['model.jaffle.orders']!.primary_key).toEqual(['order_id']);
    expect(nodes['model.jaffle.order_status']!.primary_key).toEqual(['order_id']);
    expect(nodes['model.jaffle.order_events']!.primary_key).toEqual([]);
  });

  it('seeds and tests have dbt\'s fields', () => {
    const { nodes } = manifest();
    const seed = nodes['seed.jaffle.raw_payments']!;
    expect(Object.keys(seed).slice(-3)).toEqual(['doc_blocks', 'root_path', 'depends_on']);
    expect(seed).not.toHaveProperty('language');
    expect(seed.config).toMatchObject({ materialized: 'seed', delimiter: ',', quote_columns: null, column_types: { amount: 'integer' } });
    const t = nodes['test.jaffle.source_not_null_shop_orders_id.5be7e9a27b']!;
    expect(t).not.toHaveProperty('compiled');
    expect(t.config).toEqual({
      enabled: true, alias: null, schema: 'dbt_test__audit', database: null, tags: [], meta: {}, group: null, materialized: 'test', severity: 'ERROR',
      store_failures: null, store_failures_as: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0',
    });
    expect(t).toMatchObject({ attached_node: null, file_key_name: 'sources.shop', depends_on: { macros: ['macro.dbt.test_not_null'], nodes: ['source.jaffle.shop.orders'] } });
    expect(nodes['test.jaffle.unique_orders_order_id.fed79b3a6e']).toMatchObject({ attached_node: 'model.jaffle.orders', file_key_name: 'models.orders' });
    expect(nodes['test.jaffle.is_positive_customers_number_of_orders__False.afd59a8e73']!.depends_on).toEqual({ macros: ['macro.jaffle.test_is_positive', 'macro.dbt.get_where_subquery'], nodes: ['model.jaffle.customers'] });
    expect(nodes['test.jaffle.accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer.1a6bf817f5']!.config).toMatchObject({ severity: 'warn', alias: 'accepted_values_stg_payments_8385aaee52e46b44ac5264d3cc4690a0' });
  });

  it('sources and macros have dbt\'s fields', () => {
    const { sources, macros } = manifest();
    const s = sources['source.jaffle.shop.orders']!;
    expect(s).toMatchObject({ path: 'models/staging/_sources.yml', patch_path: null, loaded_at_query: null, quoting: { database: null, schema: null, identifier: null, column: null } });
    expect(s).not.toHaveProperty('alias');
    expect(s).not.toHaveProperty('checksum');
    expect(s.config).toEqual({
      enabled: true, event_time: null, freshness: { warn_after: { count: 1, period: 'day' }, error_after: { count: 36500, period: 'day' }, filter: null },
      loaded_at_field: 'ordered_at', loaded_at_query: null, meta: s.meta, tags: [],
    });
    expect(macros['macro.jaffle.test_is_positive']).toMatchObject({
      macro_sql: "{% test is_positive(model, column_name, strict=false) %}\nselect *\nfrom {{ model }}\nwhere {{ column_name }} {{ '<=' if strict else '<' }} 0\n{% endtest %}",
      arguments: [], patch_path: null, supported_languages: null, docs: { show: true, node_color: null },
    });
  });
});

describe("Python's str/repr, as dbt hashes and names tests with them", () => {
  it('spells numbers, strings and containers as CPython does', () => {
    expect([1, 3.5, 1e-5, 1e16, 0.0001, 123456789.5].map(pyNumber)).toEqual(['1', '3.5', '1e-05', '10000000000000000', '0.0001', '123456789.5']);
    expect(pyNumber(1.5e16)).toBe('15000000000000000');
    expect(pyNumber(2.5e-7)).toBe('2.5e-07');
    expect(pyRepr(["it's", 'a"b', 'x\ny\\', true, null, { k: 1 }])).toBe(`["it's", 'a"b', 'x\\ny\\\\', True, None, {'k': 1}]`);
    expect(pyRepr('both \' and "')).toBe(`'both \\' and "'`);
  });
});
