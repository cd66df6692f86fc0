/** Process entry of `stratum`: runs the CLI on process.argv and sets the exit code. */
import { main } from './main.js';

// `stratum start | head -1`: the reader has gone, so the rest of the output has nowhere to go;
// stop quietly, as `git log | head` does, instead of crashing with an EPIPE stack
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
