/**
 * dbt's enforced model contracts on DuckDB (dbt-duckdb's `create_table_as` with
 * `contract: {enforced: true}`): the model query's columns must match the contract's names and
 * types (both sides typed by DuckDB itself, as dbt's `assert_columns_equivalent` does through
 * `cast(null as <data_type>)`), and a table is created with the contract's columns and
 * constraints before the query's rows are inserted into it.
 */
import type { ColumnInfo, ContractColumn } from '../adapter.js';
import { quoteIdent } from './quote.js';

/** The query that types the contract's columns: `select cast(null as <type>) as <name>, ...`. */
export function contractTypesSql(contract: readonly ContractColumn[]): string {
  return `select ${contract.map((c) => `cast(null as ${c.dataType}) as ${quoteIdent(c.name)}`).join(', ')}`;
}

/**
 * The mismatches between the model's columns and the contract's, as dbt reports them (names
 * compared exactly, types as DuckDB names them), or undefined when they match. Returns the
 * one-line message of the failure.
 */
export function contractMismatch(model: readonly ColumnInfo[], contract: readonly ColumnInfo[]): string | undefined {
  const found = (cols: readonly ColumnInfo[], name: string) => cols.find((c) => c.name === name);
  const rows: string[] = [];
  for (const c of model) {
    const k = found(contract, c.name);
    if (!k) rows.push(`${c.name} ${c.type} is missing in contract`);
    else if (k.type !== c.type) rows.push(`${c.name} is ${c.type} in the model, ${k.type} in the contract (data type mismatch)`);
  }
  for (const k of contract) if (!found(model, k.name)) rows.push(`${k.name} ${k.type} is missing in definition`);
  if (rows.length === 0 && model.length === contract.length) return undefined;
  return `this model has an enforced contract that failed (the name, data_type and number of columns in yml must match the model's): ${rows.join('; ')}`;
}

/** The DDL of a contracted table and the insert that fills it from the model's query. */
export function contractTableSql(table: string, contract: readonly ContractColumn[], selectSql: string): string[] {
  const defs = contract.map((c) => [quoteIdent(c.name), c.dataType, ...c.constraints].join(' '));
  const names = contract.map((c) => quoteIdent(c.name)).join(', ');
  return [`create table ${table} (${defs.join(', ')})`, `insert into ${table} (${names}) select ${names} from (${selectSql}\n) as model_subq`];
}
