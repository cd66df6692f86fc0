/**
 * The time of day people act at (generator/timeOfDay.ts): the local curve of hourly weights, its
 * mapping from a uniform draw to a second of the UTC day, and the SQL twin of that mapping.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COUNTRIES } from '../../generator/catalog.js';
import { HOUR_WEIGHTS, secondOfDay, secondOfDaySql, TIME_DRAW, TIME_SLOTS, utcOffsetSec, VISITOR_OFFSETS } from '../../generator/timeOfDay.js';
import { duck, rows } from './fixture.js';

let con: DuckDBConnection;
beforeAll(async () => {
  con = await duck();
});

/** The local hour of the second `utc` of the UTC day for an account `offset` seconds ahead. */
const localHour = (utc: number, offset: number) => Math.floor(((utc + offset + 86400) % 86400) / 3600);

describe('the time of day', () => {
  it('is business hours in local time: most in 09:00-18:00, a lunch dip, little at night', () => {
    expect(HOUR_WEIGHTS).toHaveLength(24);
    expect(HOUR_WEIGHTS.reduce((a, b) => a + b, 0)).toBe(TIME_SLOTS);
    const share = (from: number, to: number) => HOUR_WEIGHTS.slice(from, to).reduce((a, b) => a + b, 0) / TIME_SLOTS;
    expect(share(9, 18)).toBeGreaterThan(0.7);
    expect(share(2, 5)).toBeLessThan(0.02);
    expect(HOUR_WEIGHTS[12]).toBeLessThan(Math.min(HOUR_WEIGHTS[11], HOUR_WEIGHTS[13]));
    expect(Math.max(...HOUR_WEIGHTS)).toBe(Math.max(...HOUR_WEIGHTS.slice(13, 17)));
  });

  it('maps every draw to a second of the day, each local hour as often as its weight says, shifted by the offset', () => {
    for (const offset of [0, -6 * 3600, 9 * 3600, 5.5 * 3600]) {
      const hits = new Array<number>(24).fill(0);
      // every slot once, at a second of its hour that walks through the hour
      for (let slot = 0; slot < TIME_SLOTS; slot++) {
        const s = secondOfDay(slot * 3600 + ((slot * 37) % 3600), offset);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(86400);
        expect(Number.isInteger(s)).toBe(true);
        hits[localHour(s, offset)]++;
      }
      expect(hits, `offset ${offset}`).toEqual(HOUR_WEIGHTS);
    }
    // the extremes of the draw, and a second within the hour kept
    expect(secondOfDay(0, 0)).toBe(0);
    expect(secondOfDay(TIME_DRAW - 1, 0)).toBe(86399);
    expect(secondOfDay(TIME_DRAW - 1, 3600)).toBe(86399 - 3600);
    expect(secondOfDay(0, -3600)).toBe(3600);
  });

  it('gives the same second in SQL as in JS, for every offset of the catalog', async () => {
    const offsets = COUNTRIES.map((c) => utcOffsetSec(c.code));
    const got = await rows(con, `select d, o, ${secondOfDaySql('d', 'o')} as s from
      (select (hash(i) % ${TIME_DRAW})::bigint as d from range(20000) t(i)), (select unnest([${offsets.join(', ')}]) as o)`);
    expect(got.length).toBe(20000 * offsets.length);
    expect(got.filter((r) => Number(r.s) !== secondOfDay(Number(r.d), Number(r.o)))).toEqual([]);
  });

  it('draws ad visitors\' offsets from the countries in the shares accounts sign up in', () => {
    const total = COUNTRIES.reduce((a, c) => a + c.weight, 0);
    expect(VISITOR_OFFSETS).toHaveLength(total);
    for (const c of COUNTRIES) {
      const same = COUNTRIES.filter((x) => x.utcOffsetMinutes === c.utcOffsetMinutes).reduce((a, x) => a + x.weight, 0);
      expect(VISITOR_OFFSETS.filter((o) => o === c.utcOffsetMinutes * 60)).toHaveLength(same);
    }
    expect(() => utcOffsetSec('XX')).toThrow(/XX/);
  });
});
