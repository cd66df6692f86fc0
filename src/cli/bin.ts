/** Process entry of `stratum`: runs the CLI on process.argv and sets the exit code. */
import { main } from './main.js';
import { reportOutputErrors } from './outputErrors.js';

// `stratum start | head -1`, `stratum generate 2>&1 | head`: the reader has gone, so the rest of
// the output has nowhere to go. The work goes on (a generation completes its days) and the output
// is dropped, instead of a crash with an EPIPE stack. So too when the terminal has gone (EIO on a
// terminal: its window closed, an ssh connection dropped), where the hangup cancels the work
// (cancelOnSignals). Any other write error (a full disk under `> out.txt`, EIO of a file or a
// pipe) is one line on stderr and exit 1
reportOutputErrors({ stdout: process.stdout, stderr: process.stderr }, (code) => process.exit(code));

process.exitCode = await main(process.argv.slice(2));
