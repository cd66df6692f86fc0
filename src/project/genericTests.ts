/**
 * Generic tests declared in yml: dbt's naming (`not_null_orders_order_id`,
 * `accepted_values_orders_status__placed__shipped`, hashed past 63 characters), and the Jinja
 * that calls the test macro with its arguments (nunjucks has no `**kwargs`, so the call is
 * spelled out). String arguments that are `ref(...)`/`source(...)` calls are Jinja expressions,
 * as in dbt (`to: ref('customers')`).
 */
import { createHash } from 'node:crypto';
import type { TestDecl } from './propertiesFile.js';
import { byCodePoint, isPlainObject, pyRepr, pyStr } from './pythonRepr.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** What a generic test is attached to. */
export type TestTarget = { readonly kind: 'model' | 'seed' | 'snapshot'; readonly name: string } | { readonly kind: 'source'; readonly sourceName: string; readonly tableName: string };

/**
 * dbt's synthesized names of a generic test (`synthesize_generic_test_names`): `name` (e.g.
 * `not_null_orders_order_id`, always `<test>_<target>_<args>`, so a test without arguments ends
 * in `_`) and the `shortName` used as its alias and file name: the same, or when 64 characters
 * or longer, the first 30 characters of `<test>_<target>` and an md5 of the full name.
 */
export function genericTestNames(decl: TestDecl, target: TestTarget): { name: string; shortName: string } {
  if (decl.explicitName) return { name: decl.explicitName, shortName: decl.explicitName };
  const args: Record<string, unknown> = { ...decl.args, ...(decl.columnName !== undefined ? { column_name: decl.columnName } : {}) };
  const flat: string[] = [];
  for (const k of Object.keys(args).sort(byCodePoint)) {
    const v = args[k];
    const parts = Array.isArray(v) ? v : isPlainObject(v) ? Object.values(v) : [v];
    flat.push(...parts.map(pyStr));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const prefix = target.kind === 'source' ? 'source_' : '';
  const ident = `${decl.namespace ? `${decl.namespace}_` : ''}${prefix}${decl.testName}`;
  const targetName = target.kind === 'source' ? `${target.sourceName}_${target.tableName}` : target.name;
  const identifier = `${ident}_${targetName}`;
  const full = `${identifier}_${unique}`;
  return { name: full, shortName: [...full].length >= 64 ? `${[...identifier].slice(0, 30).join('')}_${md5(full)}` : full };
}

/** The `model` argument dbt gives a generic test: `{{ get_where_subquery(ref('orders')) }}`. */
export function modelKwarg(target: TestTarget): string {
  const call = target.kind === 'source' ? `source('${target.sourceName}', '${target.tableName}')` : `ref('${target.name}')`;
  return `{{ get_where_subquery(${call}) }}`;
}

/**
 * dbt's `test_metadata.kwargs` of a generic test: its arguments as written in the yml (a
 * `ref(...)` argument stays the string `ref('x')`), then `column_name`, then `model`.
 */
export function genericTestKwargs(decl: TestDecl, target: TestTarget): Record<string, unknown> {
  return { ...decl.args, ...(decl.columnName !== undefined ? { column_name: decl.columnName } : {}), model: modelKwarg(target) };
}

/** dbt's `get_hashable_md`: mappings with sorted keys, lists kept, every other value as Python's str(). */
function hashable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hashable);
  if (isPlainObject(v)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort(byCodePoint).map((k) => [k, hashable(o[k])]));
  }
  return pyStr(v);
}

/**
 * The 10-character hash dbt appends to a generic test's unique id: the last 10 hex digits of the
 * md5 of its full name followed by Python's repr of its `test_metadata` (dbt-core's
 * `SchemaGenericTestParser.create_test_node`), so Stratum's ids equal dbt's.
 */
export function testIdHash(name: string, metadata: { readonly name: string; readonly namespace: string | null; readonly kwargs: Readonly<Record<string, unknown>> }): string {
  return md5(name + pyRepr(hashable({ namespace: metadata.namespace, name: metadata.name, kwargs: metadata.kwargs }))).slice(-10);
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
 * The template a generic test node renders: a call of `test_<name>` with every argument,
 * `column_name` and `model` (wrapped in `get_where_subquery`), in the order of dbt's kwargs, so
 * refs and macros are found in dbt's order. Plain arguments are read from the
 * `stratum_test_args` context value; ref/source arguments are inlined as expressions.
 */
export function genericTestTemplate(decl: TestDecl, target: TestTarget): string {
  const kw: string[] = [];
  for (const [k, v] of Object.entries(decl.args)) {
    kw.push(`${k}=${isExpressionArg(v) ? v.trim() : `${TEST_ARGS_NAME}[${JSON.stringify(k)}]`}`);
  }
  if (decl.columnName !== undefined) kw.push(`column_name=${TEST_ARGS_NAME}["column_name"]`);
  kw.push(`model=get_where_subquery(${targetExpression(target)})`);
  return `{{ test_${decl.testName}(${kw.join(', ')}) }}`;
}

/** Test config keys dbt's TestBuilder takes first, in its order (`CONFIG_ARGS`), when it writes `raw_code`. */
const CONFIG_ARGS = ['severity', 'tags', 'enabled', 'where', 'limit', 'warn_if', 'error_if', 'fail_calc', 'store_failures', 'store_failures_as', 'meta', 'database', 'schema', 'alias'];

/** A config value in dbt's `config(...)` call of a generic test's raw_code: strings in double quotes, the rest as Python's str(). */
function configValue(v: unknown): string {
  return typeof v === 'string' ? `"${v.replace(/"/g, '\\"')}"` : pyStr(v);
}

/**
 * dbt's `raw_code` of a generic test node: `{{ test_unique(**_dbt_generic_test_kwargs) }}`, the
 * macro namespaced when the test is (`dbt.test_not_null`), followed by a `config(...)` call of the
 * configs written on the test (dbt's key order), plus the hashed alias of a long-named test.
 */
export function genericTestRawCode(decl: TestDecl, names: { name: string; shortName: string }): string {
  const config: [string, unknown][] = [];
  for (const k of CONFIG_ARGS) if (decl.config[k] !== undefined && decl.config[k] !== null) config.push([k, decl.config[k]]);
  for (const [k, v] of Object.entries(decl.config)) if (!CONFIG_ARGS.includes(k) && v !== undefined && v !== null) config.push([k, v]);
  if (names.shortName !== names.name && !config.some(([k]) => k === 'alias')) config.push(['alias', names.shortName]);
  const call = config.length > 0 ? `{{ config(${config.map(([k, v]) => `${k}=${configValue(v)}`).join(',')}) }}` : '';
  return `{{ ${decl.namespace ? `${decl.namespace}.` : ''}test_${decl.testName}(**_dbt_generic_test_kwargs) }}${call}`;
}
