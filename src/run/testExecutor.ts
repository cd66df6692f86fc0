/**
 * Runs a data test with dbt's semantics: the compiled test query selects failing rows;
 * `failures` = `fail_calc` (default `count(*)`) over them (at most `limit` rows); the test warns
 * when `failures <warn_if>` holds (default `!=0`) and fails when `failures <error_if>` holds and
 * its severity is `error`. With `store_failures` (or `store_failures_as: table|view`), the failing
 * rows are kept in a table or view in the audit schema (dbt's `<schema>_dbt_test__audit`) so they
 * can be inspected.
 */
import { ConfigError } from '../errors.js';
import { storeFailuresAs } from '../project/nodeConfig.js';
import type { TestNode } from '../project/types.js';
import { compileTimed, relationRef, timed, type NodeOutcome, type RunContext } from './runContext.js';

const CONDITION = /^\s*(==|=|!=|<>|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Validates a `warn_if`/`error_if` condition such as `>10`; returns it as SQL. Throws ConfigError. */
export function thresholdSql(node: TestNode, key: 'warn_if' | 'error_if'): string {
  const raw = node.config[key] ?? '!=0';
  const m = typeof raw === 'string' ? CONDITION.exec(raw) : null;
  if (!m) {
    throw new ConfigError(`${key} must be a comparison with a number such as '>10' or '!=0', got '${String(raw)}'`, {
      file: node.patchPath ?? node.originalFilePath,
      key: `${node.name}.config.${key}`,
    });
  }
  return `${m[1] === '==' ? '=' : m[1]} ${m[2]}`;
}

/**
 * Decides a test's status from its severity and thresholds, as dbt's test materialization; with
 * `warnError` (dbt's --warn-error) a test that would warn fails.
 */
export function testStatus(severity: 'error' | 'warn', shouldWarn: boolean, shouldError: boolean, warnError = false): 'pass' | 'warn' | 'fail' {
  if (severity === 'error' && shouldError) return 'fail';
  if (shouldWarn) return warnError ? 'fail' : 'warn';
  return 'pass';
}

/** Runs a test and reports pass/warn/fail with its failure count. Throws on an execution error. */
export async function executeTest(ctx: RunContext, node: TestNode): Promise<NodeOutcome> {
  const { compiled, timing: compileTiming } = await compileTimed(ctx, node);
  const config = compiled.config;
  const severityRaw = String(config.severity ?? 'error').toLowerCase();
  if (severityRaw !== 'error' && severityRaw !== 'warn') {
    throw new ConfigError(`severity must be 'error' or 'warn', got '${String(config.severity)}'`, { file: node.patchPath ?? node.originalFilePath, key: `${node.name}.config.severity` });
  }
  const withConfig = { ...node, config };
  const warnIf = thresholdSql(withConfig, 'warn_if');
  const errorIf = thresholdSql(withConfig, 'error_if');
  const failCalc = typeof config.fail_calc === 'string' ? config.fail_calc : 'count(*)';
  const limit = typeof config.limit === 'number' ? `\nlimit ${Math.floor(config.limit)}` : '';
  const main = compiled.compiledCode.trim().replace(/;+\s*$/, '');
  const context = { node: node.uniqueId, file: node.originalFilePath, sql: compiled.compiledCode };
  const relation = relationRef(compiled.relation);
  // dbt's should_store_failures(): the test's config, else the --store-failures flag (as a table)
  const storeAs = storeFailuresAs(config) ?? (ctx.storeFailures ? 'table' : undefined);
  const store = storeAs === 'table' || storeAs === 'view' ? storeAs : undefined;
  if (storeAs !== undefined && storeAs !== 'ephemeral' && !store) {
    throw new ConfigError(`'${storeAs}' is not a valid value for store_failures_as; accepted values are 'ephemeral', 'table' and 'view'`, { file: node.patchPath ?? node.originalFilePath, key: `${node.name}.config.store_failures_as` });
  }

  const { value, timing } = await timed('execute', async () => {
    let source = `(\n${main}${limit}\n) as dbt_internal_test`;
    if (store) {
      await ctx.adapter.replaceRelation(relation, store, `select * from ${source}`, { context, signal: ctx.signal });
      source = `${ctx.adapter.relationName(relation)} as dbt_internal_test`;
    }
    const sql = `select ${failCalc} as failures, (${failCalc}) ${warnIf} as should_warn, (${failCalc}) ${errorIf} as should_error from ${source}`;
    const res = await ctx.adapter.query(sql, { context: { ...context, sql }, signal: ctx.signal });
    const [failures, shouldWarn, shouldError] = res.rows[0] ?? [0, false, false];
    return { failures: Number(failures ?? 0), shouldWarn: shouldWarn === true, shouldError: shouldError === true };
  });
  const status = testStatus(severityRaw, value.shouldWarn, value.shouldError, ctx.warnError);
  // as dbt says it: a warning that --warn-error fails is "configured to fail if" its warn_if
  const errored = severityRaw === 'error' && value.shouldError;
  const condition = errored ? `fail if ${errorIf}` : `${status === 'fail' ? 'fail' : 'warn'} if ${warnIf}`;
  const message = status === 'pass' ? undefined : `Got ${value.failures} result${value.failures === 1 ? '' : 's'}, configured to ${condition}`;
  return {
    status,
    timing: [compileTiming, timing],
    failures: value.failures,
    message,
    code: 'SELECT',
    compiledCode: compiled.compiledCode,
    relationName: store ? compiled.relationName : undefined,
    materialization: 'test',
  };
}
