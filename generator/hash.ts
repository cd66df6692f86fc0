/**
 * Counter-based randomness for the JS half of the world model: every random draw is a pure
 * hash of (seed, entity, day, field), so any day can be generated alone and gives the same values
 * as in a range run. The SQL half uses DuckDB's hash() the same way (see sqlRandom.ts).
 */

/** murmur3's 32-bit finaliser: a bijective avalanche of one 32-bit integer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (each taken mod 2^32, plus the high part) to an unsigned 32-bit value. */
export function hash32(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    h = fmix32(h ^ Math.imul(lo, 0xcc9e2d51));
    h = fmix32((h + Math.imul(hi, 0x1b873593) + 0xe6546b64) >>> 0);
  }
  return h;
}

/** A uniform draw in [0, 1) from the given keys. */
export function uniform(...keys: number[]): number {
  return hash32(...keys) / 4294967296;
}

/** A uniform integer in [0, n) from the given keys. */
export function pick(n: number, ...keys: number[]): number {
  return Math.floor(uniform(...keys) * n);
}

/** Field identifiers: distinct small integers so that draws for different fields never coincide. */
export const Field = {
  signups: 1, converts: 3, plan: 4, billing: 5, lifecycleGap: 6, lifecycleKind: 7, reactivate: 8, country: 9,
  channel: 10, company: 11, person: 12, versionDay: 14, versionKind: 15, signupSecond: 16, industry: 18, size: 26,
  decline: 27, declineCode: 28, recover: 29, cardUpdate: 30, card: 31, cardExpiry: 32,
} as const;
