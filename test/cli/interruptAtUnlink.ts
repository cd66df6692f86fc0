/**
 * Not a test: a child process for signals.test.ts. Runs `stratum ARGS` as bin/stratum.js does, and
 * at the command's first deletion of a file (fs/promises' unlink) sends itself SIGINT, going on
 * with that deletion only once the signal has been handled: so the signal comes while the command
 * deletes, every time, however fast the machine. Usage: node --import tsx interruptAtUnlink.ts ARGS
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const unlink = fsp.unlink;
let sent = false;
fsp.unlink = async (path) => {
  if (!sent) {
    sent = true;
    // the command's handler (cancelOnSignals) was added before this one, so it has run when this runs
    const handled = new Promise((resolve) => process.once('SIGINT', resolve));
    process.kill(process.pid, 'SIGINT');
    await handled;
  }
  return unlink(path);
};
// the command's `import { unlink } from 'node:fs/promises'` sees the patched function
syncBuiltinESMExports();

await import('../../src/cli/bin.js');
