/**
 * A minimal `modules.datetime` for templates: `datetime.now()`, `datetime.utcnow()`,
 * `date.today()`, `timedelta(days=..)` arithmetic via `.add()`, and `strftime` / `isoformat`.
 */
import { splitArgs } from './environment.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A date-time value as templates see it. */
export class JinjaDateTime {
  constructor(readonly value: Date, readonly dateOnly = false) {}
  /** Python's strftime for %Y %m %d %H %M %S %j. */
  strftime(fmt: string): string {
    const d = this.value;
    return fmt.replace(/%([YmdHMSj%])/g, (_m, c: string) => {
      switch (c) {
        case 'Y': return String(d.getUTCFullYear());
        case 'm': return pad(d.getUTCMonth() + 1);
        case 'd': return pad(d.getUTCDate());
        case 'H': return pad(d.getUTCHours());
        case 'M': return pad(d.getUTCMinutes());
        case 'S': return pad(d.getUTCSeconds());
        case 'j': return pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3);
        default: return '%';
      }
    });
  }
  isoformat(): string {
    return this.dateOnly ? this.strftime('%Y-%m-%d') : this.value.toISOString().replace('Z', '');
  }
  date(): JinjaDateTime {
    return new JinjaDateTime(new Date(Date.UTC(this.value.getUTCFullYear(), this.value.getUTCMonth(), this.value.getUTCDate())), true);
  }
  /** `dt.add(timedelta)`: nunjucks has no operator overloading, so `+` is a method. */
  add(delta: { ms: number }): JinjaDateTime {
    return new JinjaDateTime(new Date(this.value.getTime() + delta.ms), this.dateOnly);
  }
  toString(): string {
    return this.dateOnly ? this.isoformat() : this.strftime('%Y-%m-%d %H:%M:%S');
  }
}

/** The `modules.datetime` object. */
export const datetimeModule = {
  datetime: {
    now: () => new JinjaDateTime(new Date()),
    utcnow: () => new JinjaDateTime(new Date()),
  },
  date: { today: () => new JinjaDateTime(new Date()).date() },
  timedelta: (...raw: unknown[]) => {
    const { kwargs } = splitArgs(raw);
    const n = (k: string): number => Number(kwargs[k] ?? 0);
    return { ms: ((n('days') * 24 + n('hours')) * 60 + n('minutes')) * 60_000 + n('seconds') * 1000 };
  },
};
