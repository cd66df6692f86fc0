import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bigqueryStatement } from '../../src/cli/compile.js';
import { bigqueryDDL, bigqueryPartitionExpression } from '../../src/project/bigqueryDDL.js';
import { compileNode } from '../../src/project/compile.js';
import { loadProject } from '../../src/project/load.js';
import type { CompiledNode, Project } from '../../src/project/types.js';
import { FIXTURE } from './helpers.js';
import { tempDir } from '../tempDir.js';

const PARSE_ALL = `
import json, sys
import sqlglot
from sqlglot.errors import ErrorLevel
failures = []
for item in json.load(open(sys.argv[1])):
    try:
        sqlglot.parse(item["sql"], read="bigquery", error_level=ErrorLevel.RAISE)
    except Exception as e:
        failures.append({"id": item["id"], "error": str(e).splitlines()[0]})
print(json.dumps(failures))
`;

function hasSqlglot(): boolean {
  return spawnSync('python3', ['-c', 'import sqlglot'], { stdio: 'ignore' }).status === 0;
}

/** Parses every statement with sqlglot's BigQuery dialect; returns the failures. */
function sqlglotFailures(statements: { id: string; sql: string }[]): { id: string; error: string }[] {
  const dir = tempDir('stratum-sqlglot-');
  writeFileSync(join(dir, 'statements.json'), JSON.stringify(statements));
  writeFileSync(join(dir, 'parse.py'), PARSE_ALL);
  return JSON.parse(execFileSync('python3', [join(dir, 'parse.py'), join(dir, 'statements.json')], { encoding: 'utf8' })) as { id: string; error: string }[];
}

/** Every model and test of `project`, compiled. */
async function compileEvery(project: Project): Promise<CompiledNode[]> {
  const out: CompiledNode[] = [];
  for (const n of project.nodes.values()) if (n.resourceType === 'model' || n.resourceType === 'test') out.push(await compileNode(project, n, {}));
  return out;
}

describe('BigQuery compile', () => {
  const project = loadProject({ projectDir: FIXTURE, target: 'bq', env: {} });

  it('renders backtick-quoted project.dataset.table names and dispatches bigquery__ macros', async () => {
    const byId = new Map((await compileEvery(project)).map((c) => [c.node.uniqueId, c]));
    const stg = byId.get('model.jaffle.stg_payments');
    expect(stg?.compiledCode).toContain('round(cast(amount / 100 as numeric), 2) as amount');
    expect(stg?.compiledCode).toContain('from `stratum-demo`.`jaffle`.`raw_payments`');
    expect(byId.get('model.jaffle.stg_orders')?.compiledCode).toContain('select * from `stratum-demo`.`raw_shop`.`orders`');
    expect(byId.get('model.jaffle.stg_orders')?.compiledCode).toContain('date(timestamp_trunc(ordered_at, day)) as order_date');
    expect(byId.get('model.jaffle.orders')?.relationName).toBe('`stratum-demo`.`jaffle_marts`.`orders`');
  });

  it('writes create or replace DDL with partition by / cluster by from the model configs', async () => {
    const byId = new Map((await compileEvery(project)).map((c) => [c.node.uniqueId, c]));
    const orders = bigqueryStatement(byId.get('model.jaffle.orders') as CompiledNode) ?? '';
    expect(orders.split('\n').slice(0, 4)).toEqual(['create or replace table `stratum-demo`.`jaffle_marts`.`orders`', 'partition by `order_date`', 'cluster by `customer_id`', 'as (']);
    expect(bigqueryStatement(byId.get('model.jaffle.daily_orders') as CompiledNode)).toMatch(/^create or replace table `stratum-demo`\.`jaffle_marts`\.`daily_orders`\npartition by `order_date`\ncluster by `status`\nas \(/);
    expect(bigqueryStatement(byId.get('model.jaffle.stg_orders') as CompiledNode)).toMatch(/^create or replace view `stratum-demo`\.`jaffle`\.`stg_orders`\nas \(/);
    expect(bigqueryStatement(byId.get('model.jaffle.int_order_payments') as CompiledNode)).toBeUndefined();
    expect(byId.get('model.jaffle.daily_orders')?.config.incremental_strategy).toBe('insert_overwrite');
  });

  it('renders dbt-bigquery partition expressions', () => {
    expect(bigqueryPartitionExpression({ field: 'd' })).toBe('`d`');
    expect(bigqueryPartitionExpression({ field: 'ts', data_type: 'timestamp', granularity: 'day' })).toBe('timestamp_trunc(`ts`, day)');
    expect(bigqueryPartitionExpression({ field: 'd', data_type: 'date', granularity: 'month' })).toBe('date_trunc(`d`, month)');
    expect(bigqueryPartitionExpression({ field: 'n', data_type: 'int64', range: { start: 0, end: 100, interval: 10 } })).toBe('range_bucket(`n`, generate_array(0, 100, 10))');
    const ddl = bigqueryDDL({ relation: { database: 'p', schema: 'd', identifier: 't' }, sql: 'select 1 as x;', kind: 'table', clusterBy: ['a', 'b'] });
    expect(ddl).toBe('create or replace table `p`.`d`.`t`\ncluster by `a`, `b`\nas (\nselect 1 as x\n)');
  });

  it('every compiled model, DDL statement and test parses as BigQuery SQL (sqlglot)', async () => {
    if (!hasSqlglot()) {
      console.log('skipped: python3 cannot import sqlglot (pip install sqlglot; CI installs it)');
      return;
    }
    const statements: { id: string; sql: string }[] = [];
    for (const c of await compileEvery(project)) {
      statements.push({ id: c.node.uniqueId, sql: c.compiledCode });
      const ddl = bigqueryStatement(c);
      if (ddl) statements.push({ id: `${c.node.uniqueId} (ddl)`, sql: ddl });
    }
    expect(statements.length).toBeGreaterThan(30);
    expect(sqlglotFailures(statements)).toEqual([]);
    // The check is real: DuckDB-only syntax fails it.
    expect(sqlglotFailures([{ id: 'bad', sql: 'select (amount / 100)::numeric(16, 2) from t where x = any([' }])).toHaveLength(1);
  });
});

describe("the warehouse project's bq target (profiles.yml at the root)", () => {
  it('compiles every node into the project and dataset the environment names, as BigQuery SQL (sqlglot)', async () => {
    const project = loadProject({ projectDir: resolve('.'), target: 'bq', env: { STRATUM_BQ_PROJECT: 'acme-analytics', STRATUM_BQ_DATASET: 'warehouse' } });
    expect(project.target).toMatchObject({ name: 'bq', type: 'bigquery', project: 'acme-analytics', dataset: 'warehouse' });
    const compiled = await compileEvery(project);
    expect(compiled.length).toBeGreaterThan(0);
    for (const c of compiled) {
      expect(c.compiledCode).toContain('`acme-analytics`.`warehouse`.');
      expect(c.compiledCode).not.toMatch(/"main"|warehouse\/stratum/);
    }
    expect(loadProject({ projectDir: resolve('.'), target: 'bq', env: {} }).target).toMatchObject({ project: 'stratum-demo', dataset: 'stratum' });
    if (!hasSqlglot()) {
      console.log('skipped the parse: python3 cannot import sqlglot (pip install sqlglot; CI installs it)');
      return;
    }
    expect(sqlglotFailures(compiled.map((c) => ({ id: c.node.uniqueId, sql: c.compiledCode })))).toEqual([]);
  });
});
