import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WRITE_CHUNK, writeAll } from '../../generator/writer.js';
import { tempDir } from '../tempDir.js';

// every write the module makes goes through the real writeSync, and is seen
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});

/** The lengths writeAll handed writeSync (fd, buffer, offset, length). */
function writeLengths(): number[] {
  return vi.mocked(fs.writeSync).mock.calls.map((c) => Number(c[3]));
}

afterEach(() => { vi.mocked(fs.writeSync).mockClear(); });

describe('writeAll', () => {
  it('writes a buffer of several chunks whole and in order, no write longer than WRITE_CHUNK', () => {
    const data = Buffer.alloc(WRITE_CHUNK * 2 + WRITE_CHUNK / 2 + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 13)) & 0xff;
    const file = join(tempDir('stratum-write-'), 'out.bin');
    const fd = fs.openSync(file, 'w');
    writeAll(fd, data, file);
    fs.closeSync(fd);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    expect(writeLengths()).toEqual([WRITE_CHUNK, WRITE_CHUNK, WRITE_CHUNK / 2 + 7]);
  });

  it('writes a string, a short buffer in one write, and nothing for an empty one', () => {
    const file = join(tempDir('stratum-write-'), 'out.txt');
    const fd = fs.openSync(file, 'w');
    writeAll(fd, 'héllo\n', file);
    writeAll(fd, Buffer.alloc(0), file);
    writeAll(fd, Buffer.from('world\n'), file);
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('héllo\nworld\n');
    expect(writeLengths()).toEqual([7, 6]);
  });

  it('names the file in the error of a write, which names none (a file too large, a full disk)', () => {
    // a write to a descriptor fails with no path: the error reached the user as a stack trace
    const file = join(tempDir('stratum-write-'), 'out.txt');
    const fd = fs.openSync(file, 'w');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG', syscall: 'write' });
    });
    expect(() => writeAll(fd, 'x', file)).toThrow(expect.objectContaining({ code: 'EFBIG', syscall: 'write', path: file }));
    fs.closeSync(fd);
  });
});
