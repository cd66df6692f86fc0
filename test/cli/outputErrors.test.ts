/**
 * Write errors of stdout and stderr (src/cli/outputErrors.ts, installed by bin.ts): a reader or a
 * terminal that has gone is dropped; any other failure is one line on stderr and exit 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGoneReaderError, reportOutputErrors } from '../../src/cli/outputErrors.js';

/** A fake process stream: a terminal or not, recording what is written to it. */
class FakeStream extends EventEmitter {
  written = '';
  constructor(public isTTY: boolean) {
    super();
  }
  write(s: string): boolean {
    this.written += s;
    return true;
  }
}

/** An error as a stream emits it. */
const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('isGoneReaderError', () => {
  it('drops EPIPE and a destroyed stream always, EIO only on a terminal (now or at start), nothing else', () => {
    for (const tty of [true, false]) {
      expect(isGoneReaderError('EPIPE', { isTTY: tty }, tty)).toBe(true);
      expect(isGoneReaderError('ERR_STREAM_DESTROYED', { isTTY: tty }, tty)).toBe(true);
      expect(isGoneReaderError('ENOSPC', { isTTY: tty }, tty)).toBe(false);
      expect(isGoneReaderError(undefined, { isTTY: tty }, tty)).toBe(false);
    }
    expect(isGoneReaderError('EIO', { isTTY: true }, true)).toBe(true);
    // a terminal at start whose stream no longer says so, or one that says so now
    expect(isGoneReaderError('EIO', {}, true)).toBe(true);
    expect(isGoneReaderError('EIO', { isTTY: true }, false)).toBe(true);
    // a file or a pipe
    expect(isGoneReaderError('EIO', { isTTY: false }, false)).toBe(false);
    expect(isGoneReaderError('EIO', {}, false)).toBe(false);
  });
});

describe('reportOutputErrors', () => {
  it('drops EIO of a terminal, and reports EIO of a file or pipe in one line with exit 1, once', () => {
    const run = (stdoutTTY: boolean, errors: readonly [('stdout' | 'stderr'), string, string][]) => {
      const stdout = new FakeStream(stdoutTTY);
      const stderr = new FakeStream(false);
      const exits: number[] = [];
      reportOutputErrors({ stdout, stderr }, (code) => exits.push(code));
      for (const [name, code, message] of errors) (name === 'stdout' ? stdout : stderr).emit('error', failure(code, message));
      return { err: stderr.written, out: stdout.written, exits };
    };
    expect(run(true, [['stdout', 'EIO', 'write EIO'], ['stdout', 'EPIPE', 'write EPIPE']])).toEqual({ err: '', out: '', exits: [] });
    expect(run(false, [['stdout', 'EPIPE', 'write EPIPE'], ['stderr', 'EPIPE', 'write EPIPE']])).toEqual({ err: '', out: '', exits: [] });
    expect(run(false, [['stdout', 'EIO', 'EIO: i/o error, write'], ['stdout', 'EIO', 'EIO: i/o error, write']]))
      .toEqual({ err: 'Error: cannot write to stdout: EIO: i/o error, write\n', out: '', exits: [1] });
    expect(run(true, [['stderr', 'EIO', 'write EIO\nmore']])).toEqual({ err: 'Error: cannot write to stderr: write EIO\n', out: '', exits: [1] });
  });
});

describe('stratum writing to a reader or a file that fails', () => {
  it('ends quietly with exit 0 when its reader has gone', async () => {
    const child = spawn(process.execPath, ['bin/stratum.js', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(err).toBe('');
  });

  it.runIf(existsSync('/dev/full'))('names a failed write to a file in one line, exit 1, not with a stack', () => {
    const r = spawnSync('sh', ['-c', 'exec "$@" > /dev/full', 'sh', process.execPath, 'bin/stratum.js', '--help'], { encoding: 'utf8' });
    expect({ status: r.status, err: r.stderr }).toEqual({ status: 1, err: 'Error: cannot write to stdout: ENOSPC: no space left on device, write\n' });
  });
});
