/** Process entry of `stratum`: runs the CLI on process.argv and sets the exit code. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
