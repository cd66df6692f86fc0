/** Every `stratum` subcommand, in the order `stratum --help` lists them. */
import { buildCmd } from './build.js';
import { cleanCommand } from './clean.js';
import type { Command } from './command.js';
import { compileCommand } from './compile.js';
import { debugCommand } from './debug.js';
import { generateCommand } from './generate.js';
import { lsCommand } from './ls.js';
import { parseCommand } from './parse.js';
import { runCmd } from './run.js';
import { retryCommand } from './retry.js';
import { runOperationCommand } from './runOperation.js';
import { seedCmd } from './seed.js';
import { showCommand } from './show.js';
import { snapshotCmd } from './snapshot.js';
import { startCommand } from './start.js';
import { sourceFreshnessCmd } from './sourceFreshness.js';
import { testCmd } from './test.js';

export const commands: readonly Command[] = [startCommand, generateCommand, runCmd, testCmd, buildCmd, seedCmd, snapshotCmd, sourceFreshnessCmd, compileCommand, showCommand, runOperationCommand, lsCommand, retryCommand, parseCommand, debugCommand, cleanCommand];
