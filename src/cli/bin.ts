/** Process entry of `stratum`: runs the CLI on process.argv and sets the exit code. */
import { main } from './main.js';

// `stratum start | head -1`, `stratum generate 2>&1 | head`: the reader has gone, so the rest of
// the output has nowhere to go. The work goes on (a generation completes its days) and the output
// is dropped, instead of a crash with an EPIPE stack. So too when the terminal has gone (EIO: its
// window closed, an ssh connection dropped), where the hangup cancels the work (cancelOnSignals)
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'EIO' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
