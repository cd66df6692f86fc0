/**
 * Python's `datetime` module as dbt gives it to templates (`modules.datetime`: `date`, `datetime`,
 * `time`, `timedelta`, `tzinfo`), and `modules.pytz`'s UTC, as values that print, compare and
 * subtract as Python's do: `modules.datetime.datetime(2024, 1, 5)`, `date.today()`,
 * `datetime.strptime(s, fmt)`, `fromisoformat`, `timedelta(days=1)`, `d + timedelta`, `d1 - d2`,
 * `strftime`, `isoformat`, `replace`, `weekday`, and `run_started_at`, the run's start in UTC.
 * Values are microseconds of the wall clock since 1970 (exact as doubles from year 1685 to 2255);
 * the only time zone is UTC.
 */
import { PyFloat } from '../pythonRepr.js';
import { splitArgs } from './environment.js';

const US_PER_SECOND = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_SECOND;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Python's `datetime.tzinfo` of UTC (`pytz.utc`): prints `UTC`. */
export class PyTimezone {
  readonly zone = 'UTC';
  utcoffset(): PyTimedelta {
    return new PyTimedelta(0);
  }
  tzname(): string {
    return 'UTC';
  }
  toString(): string {
    return 'UTC';
  }
}

/** `modules.pytz.utc`. */
export const UTC = new PyTimezone();

/** Python's `timedelta`: a signed span of microseconds, printed `2 days, 3:04:05.000006`. */
export class PyTimedelta {
  constructor(readonly us: number) {}
  /** Whole days, rounded down as Python's (`timedelta(seconds=-1).days` is -1). */
  get days(): number {
    return Math.floor(this.us / US_PER_DAY);
  }
  /** Seconds within the day, 0..86399. */
  get seconds(): number {
    return Math.floor((this.us - this.days * US_PER_DAY) / US_PER_SECOND);
  }
  get microseconds(): number {
    return this.us - this.days * US_PER_DAY - this.seconds * US_PER_SECOND;
  }
  total_seconds(): PyFloat {
    return new PyFloat(this.us / US_PER_SECOND);
  }
  /** `+` and `-` (see pyAdd / pySub in environment.ts); undefined where Python has no such operator. */
  __add__(other: unknown): unknown {
    if (other instanceof PyTimedelta) return new PyTimedelta(this.us + other.us);
    return other instanceof JinjaDateTime ? other.__add__(this) : undefined;
  }
  __sub__(other: unknown): unknown {
    return other instanceof PyTimedelta ? new PyTimedelta(this.us - other.us) : undefined;
  }
  valueOf(): number {
    return this.us;
  }
  toString(): string {
    const s = this.seconds;
    const time = `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}${this.microseconds ? `.${pad(this.microseconds, 6)}` : ''}`;
    return this.days === 0 ? time : `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${time}`;
  }
}

/** The fields of a wall-clock time. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

function fieldsOf(us: number): Fields {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), microsecond: us - Math.floor(us / US_PER_SECOND) * US_PER_SECOND };
}

/** Microseconds of the fields, checked as Python's constructor checks them (`month must be in 1..12`). */
function usOf(f: Fields): number {
  const check = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v)) throw new Error(`TypeError: ${name} must be an integer, not ${typeof v}`);
    if (v < lo || v > hi) throw new Error(`ValueError: ${name === 'day' ? 'day is out of range for month' : name === 'year' ? `year ${v} is out of range` : `${name} must be in ${lo}..${hi}`}`);
  };
  check('year', f.year, 1, 9999);
  check('month', f.month, 1, 12);
  check('day', f.day, 1, new Date(Date.UTC(f.year, f.month, 0)).getUTCDate());
  check('hour', f.hour, 0, 23);
  check('minute', f.minute, 0, 59);
  check('second', f.second, 0, 59);
  check('microsecond', f.microsecond, 0, 999_999);
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, 0);
  return d.getTime() * 1000 + f.microsecond;
}

/** Python's `date` (`dateOnly`) or `datetime`, naive or in UTC. */
export class JinjaDateTime {
  constructor(readonly us: number, readonly dateOnly = false, readonly tzinfo: PyTimezone | null = null) {}

  private get f(): Fields {
    return fieldsOf(this.us);
  }
  get year(): number { return this.f.year; }
  get month(): number { return this.f.month; }
  get day(): number { return this.f.day; }
  get hour(): number { return this.f.hour; }
  get minute(): number { return this.f.minute; }
  get second(): number { return this.f.second; }
  get microsecond(): number { return this.f.microsecond; }

  /** Monday 0 .. Sunday 6. */
  weekday(): number {
    return (Math.floor(this.us / US_PER_DAY) % 7 + 7 + 3) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  /** Python's strftime (the C library's codes, in the C locale). */
  strftime(fmt: unknown): string {
    const f = this.f;
    const yday = Math.floor((this.us - usOf({ ...f, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0 })) / US_PER_DAY) + 1;
    // weeks of the year starting on Sunday (%U) or Monday (%W); days before the first are week 0
    const week = (daysSinceFirst: number) => Math.floor((yday - 1 + 7 - daysSinceFirst) / 7);
    const codes: Record<string, () => string> = {
      a: () => DAY_NAMES[this.weekday()].slice(0, 3), A: () => DAY_NAMES[this.weekday()], w: () => String((this.weekday() + 1) % 7),
      d: () => pad(f.day), b: () => MONTH_NAMES[f.month - 1].slice(0, 3), B: () => MONTH_NAMES[f.month - 1], m: () => pad(f.month),
      y: () => pad(f.year % 100), Y: () => String(f.year), H: () => pad(f.hour), I: () => pad(((f.hour + 11) % 12) + 1),
      p: () => (f.hour < 12 ? 'AM' : 'PM'), M: () => pad(f.minute), S: () => pad(f.second), f: () => pad(f.microsecond, 6),
      z: () => (this.tzinfo ? '+0000' : ''), Z: () => (this.tzinfo ? 'UTC' : ''), j: () => pad(yday, 3),
      U: () => pad(week((this.weekday() + 1) % 7)), W: () => pad(week(this.weekday())), '%': () => '%',
      c: () => `${codes.a()} ${codes.b()} ${String(f.day).padStart(2)} ${codes.H()}:${codes.M()}:${codes.S()} ${f.year}`,
      x: () => `${codes.m()}/${codes.d()}/${codes.y()}`, X: () => `${codes.H()}:${codes.M()}:${codes.S()}`,
    };
    return String(fmt).replace(/%(.)/g, (m, c: string) => (codes[c] ? codes[c]() : m));
  }
  isoformat(sep: unknown = 'T'): string {
    if (this.dateOnly) return this.strftime('%Y-%m-%d');
    const us = this.microsecond ? `.${pad(this.microsecond, 6)}` : '';
    return `${this.strftime(`%Y-%m-%d${String(sep)}%H:%M:%S`)}${us}${this.tzinfo ? '+00:00' : ''}`;
  }
  date(): JinjaDateTime {
    return new JinjaDateTime(Math.floor(this.us / US_PER_DAY) * US_PER_DAY, true);
  }
  /** `d.replace(year=2020, day=1)`: the same value with the named fields changed. */
  replace(...raw: unknown[]): JinjaDateTime {
    const { kwargs } = splitArgs(raw);
    const tz = 'tzinfo' in kwargs ? (kwargs.tzinfo instanceof PyTimezone ? kwargs.tzinfo : null) : this.tzinfo;
    return new JinjaDateTime(usOf({ ...this.f, ...(kwargs as Partial<Fields>) }), this.dateOnly, tz);
  }
  /** Seconds since 1970 (a naive value is taken as UTC). */
  timestamp(): PyFloat {
    return new PyFloat(this.us / US_PER_SECOND);
  }
  astimezone(tz: unknown): JinjaDateTime {
    if (!(tz instanceof PyTimezone)) throw new Error('astimezone(): only modules.pytz.utc is available');
    return new JinjaDateTime(this.us, false, UTC);
  }
  /** A date plus a span; a date minus a span, or minus a date (a span). */
  __add__(other: unknown): unknown {
    return other instanceof PyTimedelta ? new JinjaDateTime(this.us + other.us, this.dateOnly, this.tzinfo) : undefined;
  }
  __sub__(other: unknown): unknown {
    if (other instanceof PyTimedelta) return new JinjaDateTime(this.us - other.us, this.dateOnly, this.tzinfo);
    return other instanceof JinjaDateTime ? new PyTimedelta(this.us - other.us) : undefined;
  }
  valueOf(): number {
    return this.us;
  }
  toString(): string {
    return this.isoformat(' ');
  }
}

/** Positional then keyword arguments by name, as Python binds them. */
function bind(raw: readonly unknown[], names: readonly string[], what: string): Record<string, unknown> {
  const { args, kwargs } = splitArgs(raw);
  if (args.length > names.length) throw new Error(`TypeError: ${what} takes at most ${names.length} arguments (${args.length} given)`);
  const out: Record<string, unknown> = {};
  names.forEach((n, i) => { if (i < args.length) out[n] = args[i]; });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!names.includes(k)) throw new Error(`TypeError: '${k}' is an invalid keyword argument for ${what}`);
    out[k] = v;
  }
  return out;
}

const num = (v: unknown, dflt = 0): number => (v === undefined || v === null ? dflt : Number(v));

function makeDateTime(raw: unknown[]): JinjaDateTime {
  const a = bind(raw, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'], 'datetime()');
  for (const k of ['year', 'month', 'day']) if (a[k] === undefined) throw new Error(`TypeError: function missing required argument '${k}'`);
  const us = usOf({ year: num(a.year), month: num(a.month), day: num(a.day), hour: num(a.hour), minute: num(a.minute), second: num(a.second), microsecond: num(a.microsecond) });
  return new JinjaDateTime(us, false, a.tzinfo instanceof PyTimezone ? a.tzinfo : null);
}

/** Python's strptime for the numeric codes and month and day names; throws its ValueError otherwise. */
function strptime(text: string, fmt: string): JinjaDateTime {
  const f: Fields = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0 };
  let pm: boolean | undefined;
  const setters: ((s: string) => void)[] = [];
  const names = (list: readonly string[], short: boolean) => list.map((n) => (short ? n.slice(0, 3) : n)).join('|');
  const pattern = fmt.replace(/%(.)|([.*+?^${}()|[\]\\])/g, (_m, c: string | undefined, special: string | undefined) => {
    if (special) return `\\${special}`;
    const num = (re: string, set: (n: number) => void) => { setters.push((s) => set(Number(s))); return `(${re})`; };
    switch (c) {
      case 'Y': return num('\\d{4}', (n) => { f.year = n; });
      case 'y': return num('\\d{2}', (n) => { f.year = n < 69 ? 2000 + n : 1900 + n; });
      case 'm': return num('\\d{1,2}', (n) => { f.month = n; });
      case 'd': return num('\\d{1,2}', (n) => { f.day = n; });
      case 'H': return num('\\d{1,2}', (n) => { f.hour = n; });
      case 'I': return num('\\d{1,2}', (n) => { f.hour = n % 12; });
      case 'M': return num('\\d{1,2}', (n) => { f.minute = n; });
      case 'S': return num('\\d{1,2}', (n) => { f.second = n; });
      case 'f': setters.push((s) => { f.microsecond = Number(s.padEnd(6, '0')); }); return '(\\d{1,6})';
      case 'p': setters.push((s) => { pm = s.toUpperCase() === 'PM'; }); return '(AM|PM|am|pm)';
      case 'b': case 'B': case 'a': case 'A': {
        const months = c === 'b' || c === 'B';
        const list = months ? MONTH_NAMES : DAY_NAMES;
        setters.push((s) => { if (months) f.month = list.findIndex((n) => n.toLowerCase().startsWith(s.toLowerCase().slice(0, 3))) + 1; });
        return `(${names(list, c === 'b' || c === 'a')})`;
      }
      case '%': return '%';
      default: throw new Error(`ValueError: '${c}' is a bad directive in format '${fmt}'`);
    }
  });
  const m = new RegExp(`^${pattern}$`, 'i').exec(text);
  if (!m) throw new Error(`ValueError: time data '${text}' does not match format '${fmt}'`);
  setters.forEach((set, i) => set(m[i + 1]));
  if (pm) f.hour += 12;
  return new JinjaDateTime(usOf(f));
}

/** Python's fromisoformat: `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.ffffff]]` and `Z` / `+00:00`. */
export function fromIso(text: string, dateOnly: boolean): JinjaDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]00:?00)?)?$/.exec(text);
  if (!m || (dateOnly && m[4] !== undefined)) throw new Error(`ValueError: Invalid isoformat string: '${text}'`);
  const us = usOf({ year: +m[1], month: +m[2], day: +m[3], hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0), microsecond: +(m[7] ?? '').padEnd(6, '0') });
  return new JinjaDateTime(us, dateOnly, m[8] ? UTC : null);
}

/** Now, as microseconds of the UTC wall clock (the clock has milliseconds). */
const nowUs = (): number => Date.now() * 1000;

/** A callable with class methods, as Python's classes are (`datetime(...)`, `datetime.now()`). */
function pyClass<T>(ctor: (raw: unknown[]) => T, statics: Record<string, unknown>): ((...raw: unknown[]) => T) & Record<string, unknown> {
  return Object.assign((...raw: unknown[]) => ctor(raw), statics);
}

const tzArg = (raw: unknown[]): PyTimezone | null => {
  const { args, kwargs } = splitArgs(raw);
  const tz = kwargs.tz ?? args[0];
  return tz instanceof PyTimezone ? tz : null;
};

/** The `modules.datetime` object. */
export const datetimeModule = {
  datetime: pyClass(makeDateTime, {
    now: (...raw: unknown[]) => new JinjaDateTime(nowUs(), false, tzArg(raw)),
    utcnow: () => new JinjaDateTime(nowUs()),
    today: () => new JinjaDateTime(nowUs()),
    strptime: (text: unknown, fmt: unknown) => strptime(String(text), String(fmt)),
    fromisoformat: (text: unknown) => fromIso(String(text), false),
    fromtimestamp: (ts: unknown, ...raw: unknown[]) => new JinjaDateTime(Math.round(Number(ts) * US_PER_SECOND), false, tzArg(raw)),
  }),
  date: pyClass((raw) => {
    const a = bind(raw, ['year', 'month', 'day'], 'date()');
    return new JinjaDateTime(usOf({ year: num(a.year, NaN), month: num(a.month, NaN), day: num(a.day, NaN), hour: 0, minute: 0, second: 0, microsecond: 0 }), true);
  }, {
    today: () => new JinjaDateTime(nowUs()).date(),
    fromisoformat: (text: unknown) => fromIso(String(text), true),
  }),
  timedelta: (...raw: unknown[]) => {
    const a = bind(raw, ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'], 'timedelta()');
    const us = ((((num(a.weeks) * 7 + num(a.days)) * 24 + num(a.hours)) * 60 + num(a.minutes)) * 60 + num(a.seconds)) * US_PER_SECOND + num(a.milliseconds) * 1000 + num(a.microseconds);
    return new PyTimedelta(Math.round(us));
  },
  tzinfo: PyTimezone,
};

/** `modules.pytz`: its `utc`, and `timezone('UTC')`. */
export const pytzModule = {
  utc: UTC,
  UTC,
  timezone: (name: unknown) => {
    if (String(name).toUpperCase() === 'UTC') return UTC;
    throw new Error(`modules.pytz.timezone('${String(name)}'): only 'UTC' is available`);
  },
};
