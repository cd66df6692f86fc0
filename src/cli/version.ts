/** Stratum's version, from package.json. */
import { readFileSync } from 'node:fs';

export function stratumVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
