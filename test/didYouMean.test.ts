/** The one "did you mean" helper behind unknown commands, flags and models. */
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../src/didYouMean.js';

describe('didYouMean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('day', 'day')).toBe(0);
    expect(editDistance('dya', 'day')).toBe(1);
    expect(editDistance('sed', 'seed')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('picks the one candidate a word begins, else the nearest within a third of its length (at least one edit)', () => {
    const names = ['generate', 'run', 'test', 'build', 'seed', 'source', 'compile', 'ls', 'start'];
    expect(closestName('gen', names)).toBe('generate');
    expect(closestName('s', names)).toBeUndefined(); // seed, source, start: no guess
    expect(closestName('sta', names)).toBe('start');
    expect(closestName('RUN', names)).toBe('run');
    expect(closestName('biuld', names)).toBe('build');
    expect(closestName('xyz', names)).toBeUndefined();
    expect(closestName('rn', names)).toBe('run'); // two letters: one edit
    expect(closestName('q', ['ls'])).toBeUndefined(); // one letter: no guess
    expect(closestName('', names)).toBeUndefined();
    // a third of nine letters is three edits; four are too many in twelve
    expect(closestName('abcxyzghi', ['abcdefghi'])).toBe('abcdefghi');
    expect(closestName('abcdefghijkl', ['abcdwxyzijkl'])).toBeUndefined();
  });

  it('phrases the hint, or gives nothing', () => {
    expect(didYouMean('custmers', ['orders', 'customers'])).toBe("; did you mean 'customers'?");
    expect(didYouMean('dya', ['day'], (n) => `'--${n}'`)).toBe("; did you mean '--day'?");
    expect(didYouMean('zzz', ['day'])).toBe('');
  });
});
