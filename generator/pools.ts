/**
 * Pools of realistic text built once per seed with faker: company names, people, street-level
 * detail, product names. Records pick from the pools by hash, so faker is never called per row.
 */
// the English locale's own instance (the English and base definitions, as `new Faker({ locale:
// [en, base] })` makes): the package's root loads every locale, some 0.35 s of every start
import { faker } from '@faker-js/faker/locale/en';
import { CATEGORIES, PRODUCTS } from './catalog.js';

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
    products: productNames(PRODUCTS),
    ticketSubjects: many(256, () => `${faker.hacker.verb()} ${faker.hacker.noun()} ${faker.helpers.arrayElement(['fails', 'is slow', 'question', 'not working', 'error', 'request'])}`),
    phrases: many(256, () => faker.hacker.phrase().replace(/["\\\n]/g, '')),
  };
  memo.set(seed, pools);
  return pools;
}

/**
 * Words of product names, per category: every name is one word of each list, in order (an empty
 * word is none; a `#` in a word is a digit 1-9, drawn per name).
 */
export const PRODUCT_WORDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  templates: [['Essential', 'Advanced', 'Complete', 'Quick-Start', 'Executive', 'Lean', 'Startup', 'Enterprise'],
    ['Invoice', 'Onboarding', 'Sales Pipeline', 'OKR', 'Product Roadmap', 'Budget', 'Hiring Plan', 'Content Calendar', 'Churn Analysis', 'Board Deck', 'Sprint Planning', 'QBR'],
    ['Template', 'Template Pack', 'Workbook']],
  integrations: [['Salesforce', 'HubSpot', 'Slack', 'Shopify', 'Zendesk', 'Jira', 'QuickBooks', 'Xero', 'Stripe', 'NetSuite', 'Snowflake', 'BigQuery', 'Marketo', 'Intercom', 'Workday', 'SAP'],
    ['Connector', 'Sync', 'Integration', 'Bridge', 'Importer', 'Webhooks'], ['', 'Pro']],
  hardware: [['Barcode Scanner', 'Receipt Printer', 'Card Reader', 'POS Terminal', 'Label Printer', 'Tablet Stand', 'Cash Drawer', 'Self-Service Kiosk', 'Wi-Fi Router', 'Headset', 'Webcam', 'Docking Station', 'Badge Printer', 'Handheld Scanner'],
    ['S', 'X', 'Pro', 'Go', 'Mini'], ['#00', '#10', '#50']],
  services: [['Implementation', 'Data Migration', 'Custom Reporting', 'Onboarding', 'Security Review', 'Integration Setup', 'Workflow Automation', 'Dashboard Design', 'Health Check', 'Admin'],
    ['Package', 'Engagement', 'Sprint', 'Service', 'Retainer'], ['(Small)', '(Medium)', '(Large)', '(Enterprise)']],
  training: [['Admin', 'Analytics', 'API', 'Power User', 'Reporting', 'Automation', 'Security', 'Data Modeling', 'Billing', 'Marketplace Seller'],
    ['Course', 'Workshop', 'Certification', 'Bootcamp', 'Masterclass'], ['Level 1', 'Level 2', 'Level 3', 'Live', 'On Demand']],
  data: [['Firmographic', 'Intent', 'Contact', 'Market Size', 'Benchmark', 'Geo', 'Technographic', 'Pricing', 'Company News', 'Hiring Signals'],
    ['Dataset', 'Feed', 'Enrichment', 'Data Pack', 'API Access'], ['(US)', '(EU)', '(Global)', '(APAC)']],
};

/**
 * `n` product names, dealt to the categories in turn as worldTables.ts deals the products (product
 * i is in category i mod CATEGORIES.length), each a name of its category: the combinations of its
 * words, shuffled, none twice. Draws from faker's seeded generator.
 */
function productNames(n: number): string[] {
  const names = CATEGORIES.map(({ id }) => {
    const combos = PRODUCT_WORDS[id].reduce<string[]>((acc, words) => acc.flatMap((a) => words.map((w) => [a, w].filter(Boolean).join(' '))), ['']);
    const need = Math.ceil(n / CATEGORIES.length);
    if (combos.length < need) throw new Error(`only ${combos.length} product names for category ${id}, ${need} needed`);
    return faker.helpers.shuffle(combos).map((name) => name.replace(/#/g, () => String(faker.number.int({ min: 1, max: 9 }))));
  });
  return Array.from({ length: n }, (_, i) => names[i % CATEGORIES.length][Math.floor(i / CATEGORIES.length)]);
}

/** Turns a company name into an email/web domain, e.g. `Kuhn - Bode` -> `kuhn-bode.com`. */
export function domainOf(company: string): string {
  const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug || 'company'}.com`;
}
