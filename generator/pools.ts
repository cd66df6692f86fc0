/**
 * Pools of realistic text built once per seed with faker: company names, people, street-level
 * detail, product names. Records pick from the pools by hash, so faker is never called per row.
 */
// the English locale's own instance (the English and base definitions, as `new Faker({ locale:
// [en, base] })` makes): the package's root loads every locale, some 0.35 s of every start
import { faker } from '@faker-js/faker/locale/en';

/** Text pools shared by every source. */
export interface Pools {
  readonly companies: readonly string[];
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly products: readonly string[];
  readonly ticketSubjects: readonly string[];
  readonly phrases: readonly string[];
}

const POOL_SIZE = 4096;

const memo = new Map<number, Pools>();

/** Builds (once per seed, then cached) the text pools. Deterministic for a seed. */
export function buildPools(seed: number): Pools {
  const cached = memo.get(seed);
  if (cached) return cached;
  faker.seed(seed);
  const many = <T>(n: number, make: () => T): T[] => Array.from({ length: n }, make);
  const pools: Pools = {
    companies: many(POOL_SIZE, () => faker.company.name()),
    firstNames: many(512, () => faker.person.firstName()),
    lastNames: many(512, () => faker.person.lastName()),
    products: many(1024, () => `${faker.commerce.productAdjective()} ${faker.commerce.product()}`),
    ticketSubjects: many(256, () => `${faker.hacker.verb()} ${faker.hacker.noun()} ${faker.helpers.arrayElement(['fails', 'is slow', 'question', 'not working', 'error', 'request'])}`),
    phrases: many(256, () => faker.hacker.phrase().replace(/["\\\n]/g, '')),
  };
  memo.set(seed, pools);
  return pools;
}

/** Turns a company name into an email/web domain, e.g. `Kuhn - Bode` -> `kuhn-bode.com`. */
export function domainOf(company: string): string {
  const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug || 'company'}.com`;
}
