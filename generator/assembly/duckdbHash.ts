// AssemblyScript, shared by the modules of generator/assembly/ (events.ts, payments.ts): DuckDB's
// hash() reproduced bit for bit (64-bit MurmurHash64 of integers, its 8-bytes-at-a-time hash of
// strings, and its combination of several arguments) and the draws of generator/sqlRandom.ts made
// from it, so that every draw is the SQL's.

export const C: u64 = 0xd6e8feb86659fd93;

// @ts-ignore: decorator
@inline export function murmur(x: u64): u64 {
  x ^= x >> 32;
  x *= C;
  x ^= x >> 32;
  x *= C;
  x ^= x >> 32;
  return x;
}

/** The left side of DuckDB's hash combination: hash(a..., b) = prefix(hash(a...)) ^ hash(b). */
// @ts-ignore: decorator
@inline export function prefix(a: u64): u64 {
  return (a ^ (a >> 32)) * C;
}

/** The prefix of hash(k, ...) for a UBIGINT k. */
// @ts-ignore: decorator
@inline export function keyPrefix(k: u64): u64 {
  return prefix(murmur(k));
}

/** hash(a, b) of two integers or UBIGINTs. */
// @ts-ignore: decorator
@inline export function hash2(a: u64, b: u64): u64 {
  return prefix(murmur(a)) ^ murmur(b);
}

/** hash(a, b, c). */
// @ts-ignore: decorator
@inline export function hash3(a: u64, b: u64, c: u64): u64 {
  return prefix(hash2(a, b)) ^ murmur(c);
}

/** hash(a, b, c, d). */
// @ts-ignore: decorator
@inline export function hash4(a: u64, b: u64, c: u64, d: u64): u64 {
  return prefix(hash3(a, b, c)) ^ murmur(d);
}

/** sqlRandom's draw(key, field) from the key's prefix: hash(hash(key..., field)). */
// @ts-ignore: decorator
@inline export function draw(p: u64, field: u64): u64 {
  return murmur(p ^ murmur(field));
}

/** sqlRandom's u(key, field). */
// @ts-ignore: decorator
@inline export function uni(p: u64, field: u64): f64 {
  return <f64>(draw(p, field) >> 11) / 9007199254740992.0;
}

/** sqlRandom's ri(key, field, n). */
// @ts-ignore: decorator
@inline export function ri(p: u64, field: u64, n: u64): u64 {
  return draw(p, field) % n;
}

/** sqlRandom's chance(key, field, rate). */
// @ts-ignore: decorator
@inline export function chance(p: u64, field: u64, rate: f64): bool {
  return rate > 0 && uni(p, field) < rate;
}

/** DuckDB's hash of `n` bytes at `ptr`. */
export function hashBytes(ptr: usize, n: u32): u64 {
  let h: u64 = 0xe17a1465 ^ (<u64>n * 0xc6a4a7935bd1e995);
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    h ^= load<u64>(ptr + i);
    h *= C;
  }
  if (i < n) {
    let r: u64 = 0;
    for (let j: u32 = 0; i + j < n; j++) r |= (<u64>load<u8>(ptr + i + j)) << (8 * j);
    h ^= r;
    h *= C;
  }
  return murmur(h);
}
