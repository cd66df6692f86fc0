import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fixtureCopy, tempProject } from './helpers.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('stratum compile', () => {
  it('writes compiled SQL like dbt and a manifest with dbt field names; exit 0', async () => {
    const dir = fixtureCopy();
    expect(await main(['compile', '--project-dir', dir, '--profiles-dir', dir])).toBe(0);
    expect(out).toMatch(/Compiled 9 models and 19 tests for target 'dev' \(duckdb\)/);
    const compiled = join(dir, 'target/compiled/jaffle');
    expect(readFileSync(join(compiled, 'models/marts/orders.sql'), 'utf8')).toContain('with  __dbt__cte__int_order_payments as ('); // dbt's spacing
    expect(existsSync(join(compiled, 'models/staging/_staging.yml/accepted_values_stg_payments_8385aaee52e46b44ac5264d3cc4690a0.sql'))).toBe(true);
    expect(existsSync(join(compiled, 'tests/assert_order_totals_match_payments.sql'))).toBe(true);
    const m = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    const orders = m.nodes['model.jaffle.orders'];
    expect(orders).toMatchObject({ unique_id: 'model.jaffle.orders', resource_type: 'model', original_file_path: 'models/marts/orders.sql', fqn: ['jaffle', 'marts', 'orders'], relation_name: '"jaffle"."main_marts"."orders"' });
    expect(orders.depends_on.nodes).toEqual(['model.jaffle.stg_orders', 'model.jaffle.int_order_payments']);
    expect(orders.raw_code).toContain("{{ ref('int_order_payments') }}");
    expect(orders.compiled_code).toContain('__dbt__cte__int_order_payments');
    expect(orders.config.materialized).toBe('table');
    expect(m.sources['source.jaffle.shop.orders'].loaded_at_field).toBe('ordered_at');
    expect(m.macros['macro.jaffle.cents_to_dollars'].macro_sql).toContain('adapter.dispatch');
    expect(m.parent_map['model.jaffle.customers']).toEqual(['model.jaffle.orders', 'model.jaffle.stg_customers']);
    expect(m.child_map['model.jaffle.orders']).toContain('model.jaffle.customers');
    const test = Object.values(m.nodes as Record<string, { name: string; test_metadata?: unknown; attached_node?: string }>).find((n) => n.name === 'not_null_orders_order_id');
    expect(test).toMatchObject({ test_metadata: { name: 'not_null', kwargs: { column_name: 'order_id' }, namespace: null }, attached_node: 'model.jaffle.orders' });
  });

  it('prints one selected node, writes BigQuery DDL with -t bq, and --json', async () => {
    const dir = fixtureCopy();
    expect(await main(['compile', '--project-dir', dir, '-s', 'stg_payments'])).toBe(0);
    expect(out).toContain("Compiled node 'stg_payments' is:");
    out = '';
    expect(await main(['compile', '--project-dir', dir, '-t', 'bq', '-s', 'orders', '--exclude', 'test_type:generic', '--json'])).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ target: 'bq', dialect: 'bigquery' });
    expect(report.nodes.map((n: { unique_id: string }) => n.unique_id)).toEqual(['model.jaffle.orders', 'test.jaffle.assert_order_totals_match_payments']);
    expect(readFileSync(join(dir, 'target/run/jaffle/models/marts/orders.sql'), 'utf8')).toMatch(/^create or replace table `stratum-demo`\.`jaffle_marts`\.`orders`\npartition by `order_date`\ncluster by `customer_id`/);
  });

  it('exits 2 with one located line for config and compile errors, and for bad flags', async () => {
    const dir = fixtureCopy();
    expect(await main(['compile', '--project-dir', dir, '-t', 'prod'])).toBe(2);
    expect(err).toMatch(/^Error: .*profiles\.yml:3 \(jaffle\.outputs\): target 'prod' not found in profile 'jaffle' \(outputs: dev, bq\)\n$/);
    err = '';
    writeFileSync(join(dir, 'models/marts/broken.sql'), "select 1\n{{ var('no_such_var') }}\n");
    expect(await main(['compile', '--project-dir', dir])).toBe(2);
    expect(err).toMatch(/^Error: models\/marts\/broken\.sql:2:\d+: Required var 'no_such_var' not found/);
    err = '';
    expect(await main(['compile', '--project-dir', dir, '--vars', '{no_such_var: 1'])).toBe(2);
    expect(err).toMatch(/^Error: stratum compile: --vars is not valid YAML: .* at line 1, column \d+\n$/);
    err = '';
    expect(await main(['compile', '--project-dir', dir, '--vars', '{no_such_var: 1}', '-s', 'broken'])).toBe(0);
    expect(await main(['ls', '--project-dir', dir, '--vars', '{no_such_var: 1}', '-s', 'bogus:x'])).toBe(2);
    expect(err).toContain("unknown selector method 'bogus'");
  });
});

describe('stratum ls', () => {
  it('lists selectors, names, paths and JSON, filtered by resource type', async () => {
    const dir = fixtureCopy();
    expect(await main(['ls', '--project-dir', dir, '-s', '+stg_orders'])).toBe(0);
    // in unique-id order, as dbt ls lists them
    expect(out.split('\n').filter(Boolean)).toEqual([
      'jaffle.staging.stg_orders',
      'source:jaffle.shop.orders',
      'jaffle.staging.not_null_stg_orders_order_id',
      'jaffle.staging.relationships_stg_orders_customer_id__customer_id__ref_stg_customers_',
      'jaffle.staging.source_accepted_values_shop_orders_status__placed__shipped__completed__returned',
      'jaffle.staging.source_not_null_shop_orders_id',
    ]);
    out = '';
    expect(await main(['ls', '--project-dir', dir, '-s', 'tag:marts', '--resource-type', 'model', '--output', 'name'])).toBe(0);
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['customers', 'daily_orders', 'order_events', 'order_status', 'orders']);
    out = '';
    expect(await main(['ls', '--project-dir', dir, '--resource-type', 'seed', '-o', 'path'])).toBe(0);
    expect(out).toBe('seeds/raw_customers.csv\nseeds/raw_payments.csv\n');
    out = '';
    expect(await main(['ls', '--project-dir', dir, '--resource-type', 'source', '--json'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ unique_id: 'source.jaffle.shop.orders', resource_type: 'source', source_name: 'shop' });
    // the fixture has no snapshots
    out = '';
    expect(await main(['ls', '--project-dir', dir, '--resource-type', 'snapshot'])).toBe(0);
    expect(out).toBe('');
    expect(await main(['ls', '--project-dir', dir, '--resource-type', 'snapshots'])).toBe(2);
    expect(await main(['ls', '--project-dir', dir, '--output', 'yaml'])).toBe(2);
    // a criterion that matches nothing but is no typo (a source, a tag) is warned of on stderr, as dbt does
    out = '';
    err = '';
    expect(await main(['ls', '--project-dir', dir, '-s', 'source:nope tag:marts', '--output', 'name', '--resource-type', 'model'])).toBe(0);
    expect(err).toBe("Warning: the selection criterion 'source:nope' does not match any enabled nodes\n");
    expect(out.split('\n').filter(Boolean)).toHaveLength(5);
    // several selectors and types after one flag, as dbt takes them (`--select a b`)
    out = '';
    err = '';
    expect(await main(['ls', '--project-dir', dir, '-s', 'stg_orders', 'source:jaffle.shop.orders', '--exclude', 'test_type:generic', 'stg_customers', '--resource-type', 'model', 'source', '-o', 'name'])).toBe(0);
    expect(out).toBe('stg_orders\nshop.orders\n');
    out = '';
    expect(await main(['ls', '--project-dir', dir, '--select=orders', 'customers', '--resource-type=model'])).toBe(0);
    expect(out).toBe('jaffle.marts.customers\njaffle.marts.orders\n');
    expect(await main(['ls', '--project-dir', dir, '-s', 'orders', 'customers', '--', 'x'])).toBe(2);
  });

  it('prints the project\'s warnings on stderr, keeping stdout for the listing', async () => {
    const dir = tempProject({ 'models/a.sql': 'select 1 as id', 'models/a.yml': 'version: 2\nmodels:\n  - name: b\n' });
    expect(await main(['ls', '--project-dir', dir, '--profiles-dir', dir, '--output', 'name'])).toBe(0);
    expect(out).toBe('a\n');
    expect(err).toBe("Warning: models/a.yml:3 (models[0].name): no model named 'b': its properties and tests apply to nothing\n");
  });

  it('runs as a process through bin/stratum.js with exit codes', () => {
    const dir = fixtureCopy();
    const ok = spawnSync(process.execPath, ['bin/stratum.js', 'ls', '--project-dir', dir, '-s', 'orders', '--resource-type', 'model'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('jaffle.marts.orders\n');
    const bad = spawnSync(process.execPath, ['bin/stratum.js', 'compile', '--project-dir', join(dir, 'nope')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`Error: dbt_project.yml: not found in ${join(dir, 'nope')} (run from a dbt project folder, or pass --project-dir)\n`);
  });
});
