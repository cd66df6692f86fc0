/** `stratum source freshness`: checks sources' newest `loaded_at_field` against warn_after/error_after. */
import { UsageError } from '../errors.js';
import { stringFlag, type Command } from './command.js';
import { projectCommand, PROJECT_FLAGS, runProject } from './projectFlags.js';

/** Parses `--now` (ISO date or date-time, UTC when no offset). Throws UsageError. */
export function parseNow(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? raw : `${raw.replace(' ', 'T')}Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new UsageError(`stratum source freshness: --now must be a date or date-time such as 2024-03-01 or 2024-03-01T12:00:00Z, got '${raw}'`);
  return d;
}

/** The `source freshness` command. */
export const sourceFreshnessCmd: Command = projectCommand({
  name: 'source freshness',
  summary: "Check the sources' freshness against warn_after / error_after (like dbt source freshness).",
  flags: [...PROJECT_FLAGS, { name: 'now', type: 'string', value: 'DATETIME', description: "The clock to judge against (default: the end of the sources' newest dt= partition)." }],
  details: 'Writes target/sources.json. Exit codes: 0 fresh or warned, 1 a source is stale past error_after or unreadable, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('source freshness', args, { now: parseNow(stringFlag(args, 'now')) }),
});
