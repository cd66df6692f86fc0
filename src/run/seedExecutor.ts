/**
 * Loads a seed CSV into its table. Column types come from the seed's `column_types` config, and
 * otherwise are inferred the way dbt does (agate's type tester, then dbt's SQL type names):
 * integers → INTEGER, numbers with decimals → DOUBLE, `YYYY-MM-DD` → DATE, ISO date-times →
 * TIMESTAMP, true/false → BOOLEAN, anything else → VARCHAR. So a seed has the same types under
 * Stratum as under dbt-duckdb. Loaded aside and swapped in like a table.
 */
import type { WarehouseAdapter } from '../engine/adapter.js';
import { quoteString } from '../engine/duckdb/quote.js';
import { DataError } from '../errors.js';
import type { SeedNode } from '../project/types.js';
import { relationRef, timed, type NodeOutcome, type RunContext } from './runContext.js';

const NUMBER = `^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$`;
const DATE = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`;
const DATETIME = `^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$`;

/**
 * Infers dbt's type for each CSV column (in file order), honouring `columnTypes` overrides
 * (matched case-insensitively). Throws DataError naming the file when it cannot be read.
 */
export async function seedColumnTypes(adapter: WarehouseAdapter, csvPath: string, columnTypes: Readonly<Record<string, string>> = {}): Promise<[string, string][]> {
  const src = `read_csv(${quoteString(csvPath)}, header = true, all_varchar = true, auto_detect = true)`;
  let names: string[];
  try {
    names = (await adapter.query(`describe select * from ${src}`)).rows.map((r) => String(r[0]));
  } catch (e) {
    throw new DataError(`cannot read seed CSV: ${(e as Error).message}`, csvPath);
  }
  const overrides = new Map(Object.entries(columnTypes).map(([k, v]) => [k.toLowerCase(), v]));
  const q = adapter.quoteIdent.bind(adapter);
  const checks = names.map((n, i) => {
    const v = `(case when lower(trim(${q(n)})) = 'null' then null else trim(${q(n)}) end)`;
    return `count(${v}) as n${i},
      count(*) filter (where regexp_matches(${v}, '${NUMBER}')) as num${i},
      count(*) filter (where regexp_matches(${v}, '${NUMBER}') and (contains(${v}, '.') or regexp_matches(${v}, '[eE]-'))) as dec${i},
      count(*) filter (where regexp_matches(${v}, '${DATE}') and try_strptime(${v}, '%Y-%m-%d') is not null) as date${i},
      count(*) filter (where regexp_matches(${v}, '${DATETIME}') and try_cast(${v} as timestamptz) is not null) as ts${i},
      count(*) filter (where lower(${v}) in ('true', 'false')) as bool${i}`;
  });
  const stats = (await adapter.query(`select ${checks.join(',\n')} from ${src}`)).rows[0] ?? [];
  return names.map((n, i) => {
    const override = overrides.get(n.toLowerCase());
    if (override) return [n, override];
    const [count, num, dec, date, ts, bool] = stats.slice(i * 6, i * 6 + 6).map(Number);
    if (count === num) return [n, dec > 0 ? 'DOUBLE' : 'INTEGER'];
    if (count === date) return [n, 'DATE'];
    if (count === ts) return [n, 'TIMESTAMP'];
    if (count === bool) return [n, 'BOOLEAN'];
    return [n, 'VARCHAR'];
  });
}

/** Loads a seed and reports its rows. Throws DataError/QueryError/CancelledError on failure. */
export async function executeSeed(ctx: RunContext, node: SeedNode): Promise<NodeOutcome> {
  const relation = relationRef(node.relation);
  const relationName = ctx.adapter.relationName(relation);
  const { value, timing } = await timed('execute', async () => {
    const types = await seedColumnTypes(ctx.adapter, node.absolutePath, node.config.column_types ?? {});
    const columns = types.map(([n, t]) => `${quoteString(n)}: ${quoteString(t)}`).join(', ');
    const sql = `select * from read_csv(${quoteString(node.absolutePath)}, header = true, auto_detect = false, columns = {${columns}})`;
    const rows = await ctx.adapter.replaceRelation(relation, 'table', sql, { context: { node: node.uniqueId, file: node.originalFilePath, sql }, signal: ctx.signal });
    return rows;
  });
  return { status: 'success', timing: [timing], rowsAffected: value, code: 'INSERT', relationName, materialization: 'seed' };
}
