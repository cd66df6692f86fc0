/**
 * `stratum debug`, as `dbt debug`: says which dbt_project.yml and profiles.yml it reads, checks
 * that both load, shows the target's connection settings, and tests the connection. Exit 1 when a
 * check fails, with the reason, as dbt's; the project's models are not parsed.
 */
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { boolFlag, stringFlag, type Command } from './command.js';
import { stratumVersion } from './version.js';
import { PROJECT_LOAD_FLAGS, projectCommand } from './projectFlags.js';

/** The `stratum debug` command. */
export const debugCommand: Command = projectCommand({
  name: 'debug',
  summary: "Check the project and profile files and test the target's connection (dbt debug).",
  details: 'Examples:\n  stratum debug\n  stratum debug --target bq\n  stratum debug --config-dir\n\nExit codes: 0 every check passed, 1 a check failed (its reason is printed), 2 bad usage (such as --vars that is not YAML), 130 cancelled.',
  flags: [
    ...PROJECT_LOAD_FLAGS.filter((f) => f.name !== 'json'),
    { name: 'config-dir', type: 'boolean', description: 'Print the folder profiles.yml is read from, and exit.' },
    { name: 'connection', type: 'boolean', description: "Test the target's connection only, skipping the checks of dbt_project.yml." },
  ],
  async run(args, signal) {
    const [{ readProjectFile }, { findProfilesFile, loadProfileTarget }, { stamped }, { parseVarsFlag }, { openTarget }] = await Promise.all([
      import('../project/projectFile.js'), import('../project/profiles.js'), import('./runOutput.js'), import('./projectOptions.js'), import('./projectRun.js'),
    ]);
    const say = (line: string) => process.stdout.write(`${stamped(line)}\n`);
    const reason = (e: unknown) => (e as Error).message;
    const root = resolve(stringFlag(args, 'project-dir') ?? '.');
    const profilesDir = stringFlag(args, 'profiles-dir');
    const env = process.env;
    const cliVars = parseVarsFlag('debug', stringFlag(args, 'vars'));
    const failures: string[] = [];

    let profilesFile: string | undefined;
    try {
      profilesFile = findProfilesFile({ projectDir: root, env, ...(profilesDir ? { profilesDir } : {}) });
    } catch (e) {
      failures.push(`Profile loading failed for the following reason:\n${reason(e)}`);
    }
    if (boolFlag(args, 'config-dir')) {
      if (profilesFile) say(`To view your profiles.yml file, run:\n\n${process.platform === 'win32' ? 'type' : 'cat'} ${profilesFile}`);
      else say(failures[0]!);
      return profilesFile ? 0 : 1;
    }

    say(`Stratum version: ${stratumVersion()}`);
    say(`node version: ${process.version}`);
    say(`os info: ${process.platform} ${process.arch} ${release()}`);
    if (profilesFile) {
      say(`Using profiles dir at ${dirname(profilesFile)}`);
      say(`Using profiles.yml file at ${profilesFile}`);
    }
    const projectYml = join(root, 'dbt_project.yml');
    say(`Using dbt_project.yml file at ${projectYml}`);

    let project: ReturnType<typeof readProjectFile> | undefined;
    try {
      project = readProjectFile(root);
    } catch (e) {
      failures.push(`Project loading failed for the following reason:\n${reason(e)}`);
    }
    let target: ReturnType<typeof loadProfileTarget> | undefined;
    if (profilesFile && project) {
      try {
        target = loadProfileTarget(profilesFile, project.profile, stringFlag(args, 'target'), { env, vars: { ...project.vars, ...cliVars } });
      } catch (e) {
        failures.push(`Profile loading failed for the following reason:\n${reason(e)}`);
      }
    }
    if (target) say(`adapter type: ${target.type}`);
    if (!boolFlag(args, 'connection')) {
      say('Configuration:');
      say(`  profiles.yml file [${target ? 'OK found and valid' : profilesFile ? 'ERROR invalid' : 'ERROR not found'}]`);
      say(`  dbt_project.yml file [${project ? 'OK found and valid' : existsSync(projectYml) ? 'ERROR invalid' : 'ERROR not found'}]`);
    }
    if (target) {
      process.stdout.write('\n');
      say('Connection:');
      if (target.type === 'duckdb') {
        say(`  database: ${target.database}`);
        say(`  schema: ${target.schema}`);
        say(`  path: ${target.path ?? ':memory:'}`);
        say(`  settings: ${JSON.stringify(target.settings ?? {})}`);
        try {
          const adapter = await openTarget(target, project!.profile, 1);
          try {
            const version = (await adapter.query('select version() as v', { signal })).rows[0]?.[0];
            say(`  DuckDB version: ${String(version)}`);
          } finally {
            await adapter.close();
          }
          say('  Connection test: [OK connection ok]');
        } catch (e) {
          say('  Connection test: [ERROR]');
          failures.push(`Connection test failed for the following reason:\n${reason(e)}`);
        }
      } else {
        say(`  project: ${target.project ?? ''}`);
        say(`  dataset: ${target.dataset ?? target.schema}`);
        say(`  location: ${target.location ?? ''}`);
        say(`  method: ${target.method ?? ''}`);
        say('  Connection test: [SKIPPED: Stratum does not connect to BigQuery yet; it compiles BigQuery SQL offline]');
      }
    }
    process.stdout.write('\n');
    if (failures.length === 0) {
      say('All checks passed!');
      return 0;
    }
    say(`${failures.length} check${failures.length === 1 ? '' : 's'} failed:`);
    for (const f of failures) say(f);
    return 1;
  },
});
