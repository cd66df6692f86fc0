import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { Dag } from '../../src/project/dag.js';
import { loadProject } from '../../src/project/load.js';
import { selectNodes, type SelectionSpec } from '../../src/project/selection.js';
import { FIXTURE, tempProject } from './helpers.js';

const project = loadProject({ projectDir: FIXTURE, env: {} });
const dag = new Dag(project);
/** Selected names of non-test nodes (tests are checked separately). */
const names = (spec: SelectionSpec): string[] =>
  selectNodes(project, spec, dag)
    .map((id) => project.nodes.get(id))
    .filter((n) => n && n.resourceType !== 'test')
    .map((n) => (n?.resourceType === 'source' ? `source:${n.sourceName}.${n.name}` : (n?.name as string)))
    .sort();

describe('the DAG', () => {
  it('knows parents, children and a topological order', () => {
    expect(dag.parents('model.jaffle.orders')).toEqual(['model.jaffle.int_order_payments', 'model.jaffle.stg_orders']);
    expect(dag.children('model.jaffle.stg_orders')).toContain('model.jaffle.orders');
    const order = dag.topologicalOrder();
    for (const [id, parents] of Object.entries(dag.parentMapObject())) {
      for (const p of parents) expect(order.indexOf(p)).toBeLessThan(order.indexOf(id));
    }
    expect(dag.childMapObject()['seed.jaffle.raw_payments']).toContain('model.jaffle.stg_payments');
  });

  it('reports a cycle naming it', () => {
    const dir = tempProject({ 'models/a.sql': "select * from {{ ref('b') }}", 'models/b.sql': "select * from {{ ref('c') }}", 'models/c.sql': "select * from {{ ref('a') }}" });
    const p = loadProject({ projectDir: dir, env: {} });
    expect(() => new Dag(p)).toThrow(ConfigError);
    expect(() => new Dag(p)).toThrow(/dependency cycle: a -> c -> b -> a$/);
  });
});

describe('node selection like dbt', () => {
  it('selects everything by default', () => {
    expect(selectNodes(project, {}, dag)).toHaveLength(project.nodes.size);
  });

  it('by name, with globs, fqn and path', () => {
    expect(names({ select: ['orders'] })).toEqual(['orders']);
    expect(names({ select: ['stg_*'] })).toEqual(['stg_customers', 'stg_orders', 'stg_payments']);
    expect(names({ select: ['marts'] })).toEqual(['customers', 'daily_orders', 'order_events', 'order_status', 'orders']);
    expect(names({ select: ['jaffle.staging.stg_orders'] })).toEqual(['stg_orders']);
    // Like dbt, sources declared in yml under the folder match too.
    expect(names({ select: ['path:models/staging'] })).toEqual(['source:shop.orders', 'stg_customers', 'stg_orders', 'stg_payments']);
    expect(names({ select: ['models/marts/orders.sql'] })).toEqual(['orders']);
    expect(names({ select: ['file:customers.sql'] })).toEqual(['customers']);
  });

  it('graph operators: +model, model+, n+model, model+n, @model', () => {
    expect(names({ select: ['+orders'] })).toEqual(['int_order_payments', 'orders', 'raw_payments', 'source:shop.orders', 'stg_orders', 'stg_payments']);
    expect(names({ select: ['1+orders'] })).toEqual(['int_order_payments', 'orders', 'stg_orders']);
    expect(names({ select: ['stg_orders+'] })).toEqual(['customers', 'daily_orders', 'order_events', 'order_status', 'orders', 'stg_orders']);
    expect(names({ select: ['stg_orders+1'] })).toEqual(['order_events', 'order_status', 'orders', 'stg_orders']);
    expect(names({ select: ['@stg_payments'] })).toEqual(['customers', 'daily_orders', 'int_order_payments', 'orders', 'raw_customers', 'raw_payments', 'source:shop.orders', 'stg_customers', 'stg_orders', 'stg_payments']);
  });

  it('methods: tag, source, resource_type, config, test_type, test_name', () => {
    expect(names({ select: ['tag:finance'] })).toEqual(['orders']);
    expect(names({ select: ['source:shop'] })).toEqual(['source:shop.orders']);
    expect(names({ select: ['source:shop.orders+1'] })).toEqual(['source:shop.orders', 'stg_orders']);
    // package.source.table, as dbt ls prints a source
    expect(names({ select: ['source:jaffle.shop.orders'] })).toEqual(['source:shop.orders']);
    expect(names({ select: ['source:other.shop.orders'] })).toEqual([]);
    expect(names({ select: ['source:shop,source:*.shop.*'] })).toEqual(['source:shop.orders']);
    expect(names({ select: ['path:models/staging'], exclude: ['source:jaffle.shop.orders'] })).toEqual(['stg_customers', 'stg_orders', 'stg_payments']);
    expect(() => names({ select: ['source:a.b.c.d'] })).toThrow("invalid selector 'source:a.b.c.d': write source:SOURCE, source:SOURCE.TABLE or source:PACKAGE.SOURCE.TABLE");
    expect(names({ select: ['resource_type:seed'] })).toEqual(['raw_customers', 'raw_payments']);
    // package: is a glob, and `this` names the project itself, as in dbt
    const all = names({});
    expect(names({ select: ['package:this'] })).toEqual(all);
    expect(names({ select: ['package:jaf*'] })).toEqual(all);
    expect(names({ select: ['package:dbt'] })).toEqual([]);
    expect(names({ select: ['config.materialized:incremental'] })).toEqual(['daily_orders', 'order_events', 'order_status']);
    expect(names({ select: ['config.cluster_by:customer_id'] })).toEqual(['orders']);
    const singular = selectNodes(project, { select: ['test_type:singular'] }, dag);
    expect(singular).toEqual(['test.jaffle.assert_order_totals_match_payments']);
    const rel = selectNodes(project, { select: ['test_name:relationships'] }, dag).map((id) => project.nodes.get(id)?.name);
    expect(rel.sort()).toEqual(['relationships_orders_customer_id__customer_id__ref_customers_', 'relationships_stg_orders_customer_id__customer_id__ref_stg_customers_']);
  });

  it('unions (spaces, repeated flags), intersections (commas) and --exclude', () => {
    expect(names({ select: ['orders customers'] })).toEqual(['customers', 'orders']);
    expect(names({ select: ['orders', 'customers'] })).toEqual(['customers', 'orders']);
    expect(names({ select: ['tag:marts,config.materialized:table'] })).toEqual(['customers', 'orders']);
    expect(names({ select: ['+orders'], exclude: ['resource_type:seed source:shop'] })).toEqual(['int_order_payments', 'orders', 'stg_orders', 'stg_payments']);
    expect(names({ select: ['tag:marts'], exclude: ['orders+'] })).toEqual(['order_events', 'order_status']);
  });

  it("selects tests of selected nodes (eager indirect selection) and drops tests of excluded ones", () => {
    const tests = (spec: SelectionSpec) => selectNodes(project, spec, dag).filter((id) => id.startsWith('test.')).map((id) => project.nodes.get(id)?.name).sort();
    expect(tests({ select: ['stg_customers'] })).toEqual(['not_null_stg_customers_customer_id', 'relationships_stg_orders_customer_id__customer_id__ref_stg_customers_', 'unique_stg_customers_customer_id']);
    expect(tests({ select: ['customers'] })).toContain('relationships_orders_customer_id__customer_id__ref_customers_');
    expect(tests({ select: ['marts'], exclude: ['customers'] })).not.toContain('relationships_orders_customer_id__customer_id__ref_customers_');
    expect(selectNodes(project, { select: ['stg_customers'], resourceTypes: ['model'] }, dag)).toEqual(['model.jaffle.stg_customers']);
  });

  it('brings each atom\'s tests before intersecting, so a model and a test method select the model\'s tests of that kind', () => {
    const tests = (spec: SelectionSpec) => selectNodes(project, spec, dag).map((id) => project.nodes.get(id)!).map((n) => `${n.resourceType}:${n.name}`).sort();
    // dbt ls -s 'stg_customers,test_type:generic' lists the same three tests
    expect(tests({ select: ['stg_customers,test_type:generic'] })).toEqual(['test:not_null_stg_customers_customer_id',
      'test:relationships_stg_orders_customer_id__customer_id__ref_stg_customers_', 'test:unique_stg_customers_customer_id']);
    expect(tests({ select: ['test_name:unique,stg_customers'] })).toEqual(['test:unique_stg_customers_customer_id']);
    expect(tests({ select: ['orders,test_type:singular'] })).toEqual(['test:assert_order_totals_match_payments']);
    expect(tests({ select: ['stg_customers,test_type:singular'] })).toEqual([]);
  });

  it('returns ids in topological order and rejects bad selectors', () => {
    const ids = selectNodes(project, { select: ['+customers'] }, dag);
    expect(ids.indexOf('model.jaffle.orders')).toBeLessThan(ids.indexOf('model.jaffle.customers'));
    expect(() => selectNodes(project, { select: ['colour:red'] }, dag)).toThrow(UsageError);
    expect(() => selectNodes(project, { select: ['colour:red'] }, dag)).toThrow("unknown selector method 'colour' in 'colour:red'");
    expect(() => selectNodes(project, { select: ['tag:'] }, dag)).toThrow("invalid selector 'tag:': tag: needs a value, e.g. 'tag:nightly'");
    expect(() => selectNodes(project, { select: ['source:+'] }, dag)).toThrow("invalid selector 'source:+': source: needs a value");
    expect(() => selectNodes(project, { select: ['@1+x'] }, dag)).toThrow(UsageError);
  });

  it('rejects a bare name that matches nothing, but not an empty glob or tag', () => {
    expect(() => selectNodes(project, { select: ['custmers'] }, dag)).toThrow("'custmers' matches no model, seed, snapshot, test or source in project 'jaffle'; did you mean 'customers'?");
    expect(() => selectNodes(project, { select: ['zzzzzz'] }, dag)).toThrow(/in project 'jaffle'$/);
    expect(() => selectNodes(project, { select: ['customers'], exclude: ['nope'] }, dag)).toThrow(UsageError);
    expect(selectNodes(project, { select: ['zz*'] }, dag)).toEqual([]);
    expect(selectNodes(project, { select: ['tag:no_such_tag'] }, dag)).toEqual([]);
  });

  it('tells of each select criterion that matches nothing, as dbt warns, and of no other', () => {
    const unmatched: string[] = [];
    const onUnmatched = (c: string) => unmatched.push(c);
    const ids = selectNodes(project, { select: ['customers', 'zz*', 'tag:no_such_tag,customers', 'source:nope'], exclude: ['tag:nope_too'], onUnmatched }, dag);
    expect(ids).toContain('model.jaffle.customers');
    expect(unmatched).toEqual(['zz*', 'tag:no_such_tag', 'source:nope']);
  });
});
