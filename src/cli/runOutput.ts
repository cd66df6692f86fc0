/**
 * Prints runner events as dbt-style text lines — `12 of 40 OK created table core.dim_customers
 * ....... [OK in 1.2s]`, `FAIL 3 not_null_...`, `WARN`, `SKIP`, and the closing
 * `Done. PASS=… WARN=… ERROR=… SKIP=… TOTAL=…` — or, with --json, as one JSON object per line.
 */
import type { NodeFinishedEvent, RunEvent } from '../run/events.js';

const WIDTH = 72;

/** `left ........ right`, the dots filling `left` out to a fixed width as dbt does. */
function dots(left: string, right: string): string {
  const pad = Math.max(3, WIDTH - left.length - 1);
  return `${left} ${'.'.repeat(pad)} ${right}`;
}

function seconds(s: number): string {
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)}s`;
}

/** The text line of a finished node (without timestamp). */
export function formatFinished(e: NodeFinishedEvent): string {
  const n = `${e.index} of ${e.total}`;
  const what = e.resourceType === 'test' ? e.name : e.resourceType === 'source' ? `freshness of ${e.name}` : `${e.materialization} ${e.relation ?? e.name}`;
  const t = seconds(e.executionTime);
  switch (e.status) {
    case 'success':
      return e.resourceType === 'seed'
        ? dots(`${n} OK loaded seed ${e.relation ?? e.name}`, `[INSERT ${e.rowsAffected ?? 0} in ${t}]`)
        : dots(`${n} OK created ${what}`, `[${e.code ?? 'OK'}${e.rowsAffected !== undefined ? ` ${e.rowsAffected}` : ''} in ${t}]`);
    case 'pass':
      return dots(`${n} PASS ${what}`, `[PASS in ${t}]`);
    case 'warn':
      return dots(`${n} WARN ${e.resourceType === 'test' ? `${e.failures ?? ''} ` : ''}${what}`, `[WARN${e.resourceType === 'test' ? ` ${e.failures ?? ''}` : ''} in ${t}]`);
    case 'fail':
      return dots(`${n} FAIL ${e.failures ?? ''} ${what}`, `[FAIL ${e.failures ?? ''} in ${t}]`);
    case 'skipped':
      return dots(`${n} SKIP ${what}`, '[SKIP]');
    default:
      return dots(`${n} ERROR ${e.resourceType === 'test' ? what : `creating ${what}`}`, `[ERROR in ${t}]`);
  }
}

/**
 * Renders one event as text lines (possibly none). `compiledAt` gives where a node's compiled SQL
 * is written, said under a node that failed to run.
 */
export function formatEvent(e: RunEvent, compiledAt?: (uniqueId: string) => string | undefined): string[] {
  const stamp = new Date().toISOString().slice(11, 19);
  switch (e.type) {
    case 'run_started':
      return [`${stamp}  Running ${e.command} on ${e.total} node${e.total === 1 ? '' : 's'} with ${e.threads} thread${e.threads === 1 ? '' : 's'}`];
    case 'node_started':
      return [];
    case 'node_finished': {
      const lines = [`${stamp}  ${formatFinished(e)}`];
      if ((e.status === 'error' || e.status === 'runtime error' || e.status === 'fail' || e.status === 'warn') && e.message) lines.push(`${stamp}    ${e.message}`);
      // where its SQL is, as dbt says, when it failed to run (not when its rows failed a test)
      const at = e.status === 'error' ? compiledAt?.(e.uniqueId) : undefined;
      if (at) lines.push(`${stamp}    compiled code at ${at}`);
      return lines;
    }
    case 'log':
      return [`${stamp}  ${e.message}`];
    case 'run_finished': {
      const c = e.counts;
      return [
        `${stamp}  Finished running ${c.total} node${c.total === 1 ? '' : 's'} in ${seconds(e.elapsed)}${e.cancelled ? ' (cancelled)' : ''}.`,
        `Done. PASS=${c.pass} WARN=${c.warn} ERROR=${c.error} SKIP=${c.skip} TOTAL=${c.total}`,
      ];
    }
  }
}

/** Returns a listener printing events to `out` as text, or as JSON lines when `json` is set (see formatEvent for `compiledAt`). */
export function eventPrinter(json: boolean, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), compiledAt?: (uniqueId: string) => string | undefined): (e: RunEvent) => void {
  return (e) => {
    if (json) out(JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
    else for (const l of formatEvent(e, compiledAt)) out(l);
  };
}
