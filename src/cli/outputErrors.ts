/**
 * What `stratum` does when writing its stdout or stderr fails: a reader or a terminal that has
 * gone is no error of the command (its output is dropped and the work goes on), while any other
 * failure (a full disk under `> file`, an I/O error of a file or pipe) must not be hidden.
 */

/** The part of a process stream that these checks read and listen to. */
export interface OutputStream {
  readonly isTTY?: boolean;
  on(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Whether an error of writing to a stream means that its reader has gone, so that the output is
 * dropped rather than reported: EPIPE (`stratum ls | head -1`: the reader exited), a write after
 * the stream was destroyed, and EIO on a terminal (`wasTTY`: the stream was one when the process
 * started; its window closed, an ssh connection dropped). EIO of a file or a pipe is a real I/O
 * error, as is anything else: false.
 */
export function isGoneReaderError(code: string | undefined, stream: { readonly isTTY?: boolean }, wasTTY: boolean): boolean {
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return true;
  return code === 'EIO' && (wasTTY || stream.isTTY === true);
}

/**
 * Listens to write errors of the process's `stdout` and `stderr`: one that isGoneReaderError is
 * dropped; any other is written as one line on `stderr` (`Error: cannot write to stdout: ENOSPC:
 * no space left on device, write`), once, and the process ends with `exit(1)` (its exit handlers
 * run; a failing stderr only loses that line).
 */
export function reportOutputErrors(streams: { readonly stdout: OutputStream; readonly stderr: OutputStream & { write(s: string): unknown } }, exit: (code: number) => void): void {
  let failed = false;
  for (const [name, stream] of Object.entries(streams)) {
    const wasTTY = stream.isTTY === true;
    stream.on('error', (e) => {
      if (isGoneReaderError(e.code, stream, wasTTY) || failed) return;
      failed = true;
      const why = (e.message || e.code || String(e)).split('\n')[0];
      try {
        streams.stderr.write(`Error: cannot write to ${name}: ${why}\n`);
      } catch {
        // stderr itself failing: the exit code still says so
      }
      exit(1);
    });
  }
}
