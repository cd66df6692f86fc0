/**
 * Generic tests declared in yml: dbt's naming (`not_null_orders_order_id`,
 * `accepted_values_orders_status__placed__shipped`, hashed past 63 characters), and the Jinja
 * that calls the test macro with its arguments (nunjucks has no `**kwargs`, so the call is
 * spelled out). String arguments that are `ref(...)`/`source(...)` calls are Jinja expressions,
 * as in dbt (`to: ref('customers')`).
 */
import { createHash } from 'node:crypto';
import type { TestDecl } from './propertiesFile.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** What a generic test is attached to. */
export type TestTarget = { readonly kind: 'model' | 'seed'; readonly name: string } | { readonly kind: 'source'; readonly sourceName: string; readonly tableName: string };

/** Python's str() of a test argument, as dbt puts it in test names (`False`, `None`). */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/**
 * dbt's synthesized names of a generic test: `name` (e.g. `not_null_orders_order_id`) and the
 * `shortName` used as its alias and file name: the same, or when 64 characters or longer, the
 * first 30 characters of `<test>_<model>` and an md5 of the full name.
 */
export function genericTestNames(decl: TestDecl, target: TestTarget): { name: string; shortName: string } {
  if (decl.explicitName) return { name: decl.explicitName, shortName: decl.explicitName };
  const args: Record<string, unknown> = { ...decl.args, ...(decl.columnName !== undefined ? { column_name: decl.columnName } : {}) };
  const flat: string[] = [];
  for (const k of Object.keys(args).sort()) {
    const v = args[k];
    const parts = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [v];
    flat.push(...parts.map(pyStr));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const prefix = target.kind === 'source' ? 'source_' : '';
  const ident = `${prefix}${decl.namespace ? `${decl.namespace}_` : ''}${decl.testName}`;
  const targetName = target.kind === 'source' ? `${target.sourceName}_${target.tableName}` : target.name;
  const identifier = `${ident}_${targetName}`;
  const full = `${identifier}${unique ? `_${unique}` : ''}`;
  return { name: full, shortName: full.length >= 64 ? `${identifier.slice(0, 30)}_${md5(full)}` : full };
}

/** The 10-character hash dbt appends to a generic test's unique id (here: of name and file). */
export function testIdHash(name: string, file: string, keyPath: string): string {
  return md5(`${name}\u0000${file}\u0000${keyPath}`).slice(0, 10);
}

const EXPR = /^\s*(ref|source)\s*\(.*\)\s*$/s;

/** Whether a string argument is a Jinja expression (`ref('x')`, `source('s', 't')`). */
export function isExpressionArg(v: unknown): v is string {
  return typeof v === 'string' && EXPR.test(v);
}

/** The name of the context value holding a generic test's plain arguments. */
export const TEST_ARGS_NAME = 'stratum_test_args';

/** The Jinja expression of the tested relation. */
export function targetExpression(target: TestTarget): string {
  return target.kind === 'source' ? `source(${JSON.stringify(target.sourceName)}, ${JSON.stringify(target.tableName)})` : `ref(${JSON.stringify(target.name)})`;
}

/**
 * The template a generic test node renders: a call of `test_<name>` with `model` (wrapped in
 * `get_where_subquery`), `column_name` and every argument. Plain arguments are read from the
 * `stratum_test_args` context value; ref/source arguments are inlined as expressions.
 */
export function genericTestTemplate(decl: TestDecl, target: TestTarget): string {
  const kw = [`model=get_where_subquery(${targetExpression(target)})`];
  if (decl.columnName !== undefined) kw.push(`column_name=${TEST_ARGS_NAME}["column_name"]`);
  for (const [k, v] of Object.entries(decl.args)) {
    kw.push(`${k}=${isExpressionArg(v) ? v.trim() : `${TEST_ARGS_NAME}[${JSON.stringify(k)}]`}`);
  }
  return `{{ test_${decl.testName}(${kw.join(', ')}) }}`;
}

/** dbt's `raw_code` of a generic test node. */
export function genericTestRawCode(decl: TestDecl): string {
  return `{{ test_${decl.testName}(**_dbt_generic_test_kwargs) }}`;
}
