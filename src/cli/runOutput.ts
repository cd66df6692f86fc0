/**
 * Prints runner events as dbt 1.10 prints its run: `Concurrency: 2 threads (target='dev')`, a
 * START line and a result line per node (`12 of 40 OK created sql table model core.dim_customers
 * ....... [CREATE TABLE 5 in 1.20s]`, `FAIL 3 not_null_...`, `WARN 1 ...`, `SKIP relation ...`),
 * then `Finished running ...`, `Completed with N errors ...` with a Failure/Warning block per node,
 * and `Done. PASS=… WARN=… ERROR=… SKIP=… NO-OP=… TOTAL=…` — or, with --json, one JSON object per
 * event.
 */
import type { Project, TemplateLog } from '../project/types.js';
import { FAIL_FAST_SKIP, templateLogEvent, type HookFinishedEvent, type NodeFinishedEvent, type NodeStartedEvent, type RunEvent, type RunFinishedEvent } from '../run/events.js';

/** dbt's printer width: a line's left part is dotted out to this many columns. */
const WIDTH = 80;

/** `1 of 5 msg ....... [status in 0.12s]`, as dbt's format_fancy_output_line. */
function fancy(e: { readonly index: number; readonly total: number }, msg: string, status: string, seconds?: number): string {
  const time = seconds === undefined ? '' : ` in ${seconds.toFixed(2)}s`;
  return `${`${e.index} of ${e.total} ${msg} `.padEnd(WIDTH, '.')} [${status}${time}]`;
}

/** `n thing(s)`, with dbt's plural of a test (`data tests`). */
function plural(n: number, what: string): string {
  return `${n} ${n === 1 ? what : what === 'test' ? 'data tests' : `${what}s`}`;
}

/** A source's `source_name.table_name`, from its unique id `source.<package>.<source>.<table>`. */
function sourceName(e: Pick<NodeStartedEvent, 'uniqueId' | 'name'>): string {
  return e.uniqueId.split('.').slice(2).join('.') || e.name;
}

/** What dbt calls a node on its START and result lines: `sql table model main.x`, `seed file main.s`, `test t`. */
function describe(e: NodeStartedEvent | NodeFinishedEvent, materialization: string): string {
  switch (e.resourceType) {
    case 'model':
      return `sql ${materialization} model ${e.relation ?? e.name}`;
    case 'seed':
      return `seed file ${e.relation ?? e.name}`;
    case 'snapshot':
      return `snapshot ${e.relation ?? e.name}`;
    case 'source':
      return `freshness of ${sourceName(e)}`;
    default:
      return `test ${e.name}`;
  }
}

/** The result line of a finished node (without timestamp), as dbt words it; `materialization` is the configured one. */
export function formatFinished(e: NodeFinishedEvent, materialization = e.materialization): string {
  const t = e.executionTime;
  const what = describe(e, materialization);
  const failures = e.failures ?? 0;
  if (e.status === 'skipped') {
    return fancy(e, e.resourceType === 'model' || e.resourceType === 'seed' || e.resourceType === 'snapshot' ? `SKIP relation ${e.relation ?? e.name}` : `SKIP ${e.resourceType} ${e.resourceType === 'source' ? sourceName(e) : e.name}`, 'SKIP');
  }
  if (e.resourceType === 'source') {
    // freshness: `error` is stale past error_after, `runtime error` could not be checked
    const info = { pass: 'PASS', warn: 'WARN', error: 'ERROR STALE' }[e.status as string] ?? 'ERROR';
    return fancy(e, `${info} ${what}`, info, t);
  }
  if (e.resourceType === 'test') {
    const info = { pass: 'PASS', warn: `WARN ${failures}`, fail: `FAIL ${failures}` }[e.status as string] ?? 'ERROR';
    return fancy(e, `${info} ${e.name}`, info, t);
  }
  if (e.resourceType === 'snapshot') {
    // dbt's print_snapshot_result_line: `OK snapshotted <schema>.<name>`, `ERROR snapshotting ...`
    return e.status === 'success' ? fancy(e, `OK snapshotted ${e.relation ?? e.name}`, 'OK', t) : fancy(e, `ERROR snapshotting ${e.relation ?? e.name}`, 'ERROR', t);
  }
  if (e.status === 'success') {
    const response = e.resourceType === 'seed' ? `INSERT ${e.rowsAffected ?? 0}` : `${e.code ?? 'OK'}${e.rowsAffected !== undefined ? ` ${e.rowsAffected}` : ''}`;
    return fancy(e, `${e.resourceType === 'seed' ? 'OK loaded' : 'OK created'} ${what}`, response, t);
  }
  return fancy(e, `${e.resourceType === 'seed' ? 'ERROR loading' : 'ERROR creating'} ${what}`, 'ERROR', t);
}

/** `Found 4 models, 5 data tests, 1 seed, 2 sources`: what the project holds, as dbt says after parsing. */
export function foundLine(project: Project): string {
  const counts = new Map<string, number>();
  for (const n of project.nodes.values()) counts.set(n.resourceType, (counts.get(n.resourceType) ?? 0) + 1);
  const parts = ['model', 'snapshot', 'test', 'seed', 'source'].filter((t) => counts.has(t)).map((t) => plural(counts.get(t)!, t));
  return `Found ${parts.length > 0 ? parts.join(', ') : 'no models, data tests, seeds or sources'}`;
}

const failed = (e: NodeFinishedEvent) => e.status === 'error' || e.status === 'fail' || e.status === 'runtime error';

/**
 * The end of a run as dbt prints it: what ran by kind and how long it took, whether it completed
 * (with a Failure block per node that failed, a Warning block per warning, each naming where its
 * compiled SQL is), and the counts. Source freshness ends as dbt's does: the sources that failed,
 * then `Done.`
 */
function endOfRun(e: RunFinishedEvent, done: readonly (NodeFinishedEvent | HookFinishedEvent)[], materialization: (e: NodeFinishedEvent) => string, compiledAt?: (uniqueId: string) => string | undefined): string[] {
  const finished = done.filter((f): f is NodeFinishedEvent => f.type === 'node_finished');
  const kinds = new Map<string, number>();
  for (const f of done) {
    const kind = f.type === 'hook_finished' ? 'project hook' : f.resourceType === 'model' ? `${materialization(f)} model` : f.resourceType;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const ran = [...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => plural(n, k)).join(', ');
  const hours = Math.floor(e.elapsed / 3600);
  const minutes = Math.floor((e.elapsed % 3600) / 60);
  const lines = ['', `Finished running ${ran} in ${hours} hours ${minutes} minutes and ${(e.elapsed % 60).toFixed(2)} seconds (${e.elapsed.toFixed(2)}s).`];
  const errors = finished.filter(failed);
  const block = (f: NodeFinishedEvent | HookFinishedEvent, warning: boolean) => {
    if (f.type === 'hook_finished') {
      // dbt's operation node of the hook, `<project>-<key>-<n>`
      lines.push('', `Failure in operation ${f.hook.replaceAll('.', '-')} (./dbt_project.yml)`, `  ${f.hook} failed, error:`, ` ${f.message ?? ''}`);
      return;
    }
    lines.push('', `${warning ? 'Warning' : 'Failure'} in ${f.resourceType} ${f.name} (${f.originalFilePath})`);
    // dbt indents the message of a failure, not of a warning
    lines.push(f.message ? `${warning ? '' : '  '}${f.message}` : `  Status: ${f.status}`);
    const at = compiledAt?.(f.uniqueId);
    if (at) lines.push('', `  compiled code at ${at}`);
    if (f.failuresRelation) {
      const select = `select * from ${f.failuresRelation}`;
      lines.push('', '  See test failures:', `  ${'-'.repeat(select.length)}`, `  ${select}`, `  ${'-'.repeat(select.length)}`);
    }
  };
  if (e.command === 'source freshness') {
    // dbt's freshness ends with the sources that are stale or could not be checked, and `Done.`
    for (const f of errors) block(f, false);
    lines.push('Done.');
    return lines;
  }
  lines.push('');
  const warnings = finished.filter((f) => f.status === 'warn');
  // as dbt counts them: the nodes that failed, a failed project hook, and the nodes --fail-fast left undone
  const errorCount = e.counts.error + finished.filter((f) => f.status === 'skipped' && f.message === FAIL_FAST_SKIP).length;
  const errs = plural(errorCount, 'error');
  const warns = plural(warnings.length, 'warning');
  if (e.cancelled) lines.push('Exited because of keyboard interrupt');
  else if (errorCount > 0) lines.push(`Completed with ${errs}, 0 partial successes, and ${warns}:`);
  else if (warnings.length > 0) lines.push(`Completed with ${warns}:`);
  else lines.push('Completed successfully');
  // in the order they ran: the on-run-start hooks, the nodes, the on-run-end hooks
  for (const f of done.filter((d) => (d.type === 'hook_finished' ? d.status === 'error' : failed(d)))) block(f, false);
  for (const f of warnings) block(f, true);
  const c = e.counts;
  // NO-OP counts dbt's nodes that had nothing to do (saved queries); Stratum runs none of those
  lines.push('', `Done. PASS=${c.pass} WARN=${c.warn} ERROR=${c.error} SKIP=${c.skip} NO-OP=0 TOTAL=${c.total}`);
  return lines;
}

/** A line as dbt logs it: after the time of day (UTC), unless blank. */
export function stamped(line: string): string {
  return line === '' ? '' : `${new Date().toISOString().slice(11, 19)}  ${line}`;
}

/**
 * A listener printing events as dbt's text lines to `out`, each but blank ones after a timestamp.
 * `compiledAt` gives where a node's compiled SQL is, said in its Failure or Warning block (or
 * undefined when it was not compiled).
 */
export function textPrinter(out: (line: string) => void, compiledAt?: (uniqueId: string) => string | undefined): (e: RunEvent) => void {
  // the configured materialization of each node started (an incremental's first run reports the
  // table it made; dbt's lines and counts say incremental)
  const configured = new Map<string, string>();
  const done: (NodeFinishedEvent | HookFinishedEvent)[] = [];
  let endHooks = false;
  const materialization = (e: NodeFinishedEvent) => configured.get(e.uniqueId) ?? e.materialization;
  const lines = (e: RunEvent): string[] => {
    switch (e.type) {
      case 'run_started':
        return ['', `Concurrency: ${e.threads} threads (target='${e.target}')`, ''];
      case 'node_started':
        configured.set(e.uniqueId, e.materialization);
        return [fancy(e, `START ${describe(e, e.materialization)}`, 'RUN')];
      case 'node_finished':
        done.push(e);
        // dbt does not list the nodes --fail-fast left undone (they are counted as skipped)
        return e.status === 'skipped' && e.message === FAIL_FAST_SKIP ? [] : [formatFinished(e, materialization(e))];
      case 'hook_started':
      case 'hook_finished': {
        // a blank line after the on-run-start hooks, and one before the on-run-end hooks
        const before = e.key === 'on-run-end' && !endHooks ? [''] : [];
        if (e.key === 'on-run-end') endHooks = true;
        if (e.type === 'hook_started') return [...before, fancy(e, `START hook: ${e.hook}`, 'RUN')];
        done.push(e);
        const info = { success: 'OK', error: 'ERROR', skipped: 'SKIP' }[e.status];
        return [...before, fancy(e, `${info} hook: ${e.hook}`, info, e.executionTime), ...(e.key === 'on-run-start' && e.index === e.total ? [''] : [])];
      }
      case 'log':
        return [e.message];
      case 'run_finished':
        return endOfRun(e, done, materialization, compiledAt);
    }
  };
  return (e) => {
    if (e.type === 'log' && e.raw) out(e.message);
    else for (const l of lines(e)) out(stamped(l));
  };
}

/** Prints what templates printed (a project's parse, or a compile outside a run) as dbt prints it, or as JSON log events. */
export function printTemplateLogs(logs: readonly TemplateLog[], json: boolean, uniqueId?: string): void {
  const print = eventPrinter(json);
  for (const log of logs) print(templateLogEvent(log, uniqueId));
}

/** Returns a listener printing events to `out` as text (see textPrinter), or as JSON lines when `json` is set. */
export function eventPrinter(json: boolean, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), compiledAt?: (uniqueId: string) => string | undefined): (e: RunEvent) => void {
  if (!json) return textPrinter(out, compiledAt);
  return (e) => out(JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}
