import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutLines } from '../../generator/writer.js';
import { tempDir } from '../tempDir.js';

/** A batch file of `n` lines of varying length, and the lines. */
function batch(dir: string, n: number): { file: string; lines: string[] } {
  const lines = Array.from({ length: n }, (_, i) => `{"i":${i},"pad":"${'x'.repeat((i * 7) % 23)}"}`);
  const file = join(dir, 'batch.txt');
  writeFileSync(file, lines.map((l) => l + '\n').join(''));
  return { file, lines };
}

describe('cutLines', () => {
  // read sizes smaller than a line, about a line, and larger than the whole file: a line split
  // across two reads must land whole in its piece
  it.each([3, 17, 64, 1 << 20])('cuts whole lines into pieces with head and tail (reads of %i bytes)', (bufferBytes) => {
    const dir = tempDir('stratum-cut-');
    const { file, lines } = batch(dir, 40);
    const counts = [5, 0, 17, 1, 17];
    const pieces = counts.map((lines, i) => ({ file: join(dir, `p${i}.txt`), lines, head: i === 2 ? 'h1,h2\n' : '', tail: i === 4 ? 'bad,#extra\n' : '' }));
    cutLines(file, pieces, bufferBytes);
    let at = 0;
    counts.forEach((count, i) => {
      const body = lines.slice(at, at + count).map((l) => l + '\n').join('');
      expect(readFileSync(pieces[i].file, 'utf8')).toBe(pieces[i].head + body + pieces[i].tail);
      at += count;
    });
  });

  it('fails when the file has fewer or more lines than the pieces', () => {
    const dir = tempDir('stratum-cut-');
    const { file } = batch(dir, 10);
    const piece = (lines: number) => [{ file: join(dir, 'p.txt'), lines, head: '', tail: '' }];
    expect(() => cutLines(file, piece(11), 16)).toThrow(/fewer lines than its records/);
    expect(() => cutLines(file, piece(9), 16)).toThrow(/more lines than its records/);
    expect(() => cutLines(file, piece(9), 1 << 20)).toThrow(/more lines than its records/);
    expect(() => cutLines(file, piece(10), 16)).not.toThrow();
  });

  it('fails with ENOSPC on a full disk rather than leave a piece cut short', (ctx) => {
    // one 3 MB piece into a 1 MB disk: a single write() writes what fits and returns no error, so
    // each write must be followed until all of it is written (the next one fails)
    const dir = tempDir('stratum-cut-');
    const mnt = join(dir, 'disk');
    mkdirSync(mnt);
    if (process.platform !== 'linux' || process.getuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      ctx.skip();
      return;
    }
    try {
      const { file } = batch(dir, 100_000);
      expect(() => cutLines(file, [{ file: join(mnt, 'p.txt'), lines: 100_000, head: '', tail: '' }])).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
