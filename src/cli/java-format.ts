/**
 * Number and date formatting as Kafka's Java tools print them (`printf("%.2f")`, `Double.toString`,
 * `SimpleDateFormat`), so scripts that parse their output see the same bytes.
 */

/** The shortest round-trip decimal digits of |value| and the power of ten of the last digit. */
function shortestDigits(value: number): { digits: bigint; exponent: number } {
  const [mantissa, exp] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  return { digits: BigInt(digits), exponent: Number(exp) - (digits.length - 1) };
}

/**
 * Java's `String.format("%.<n>f", value)`: rounds the shortest decimal representation half-up
 * (so 1.005 prints `1.01`, where `toFixed` gives `1.00`); NaN and infinities as Java spells them.
 */
export function javaFixed(value: number, fractionDigits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  let scaled: bigint;
  if (value === 0) {
    scaled = 0n;
  } else {
    const { digits, exponent } = shortestDigits(value);
    const shift = exponent + fractionDigits;
    if (shift >= 0) {
      scaled = digits * 10n ** BigInt(shift);
    } else {
      const divisor = 10n ** BigInt(-shift);
      scaled = (digits + divisor / 2n) / divisor;
    }
  }
  const text = scaled.toString().padStart(fractionDigits + 1, '0');
  if (fractionDigits === 0) return sign + text;
  return `${sign}${text.slice(0, -fractionDigits)}.${text.slice(-fractionDigits)}`;
}

/** Java's `Double.toString(value)`: `2.0`, `0.5`, `1.0E-4`, `1.2345678E7`. */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exp] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function field(letter: string, count: number, date: Date): string {
  const pad = (n: number, width = count): string => String(n).padStart(width, '0');
  switch (letter) {
    case 'y':
      return count === 2 ? pad(date.getFullYear() % 100, 2) : pad(date.getFullYear());
    case 'M':
      if (count >= 4) return MONTHS[date.getMonth()]!;
      if (count === 3) return MONTHS[date.getMonth()]!.slice(0, 3);
      return pad(date.getMonth() + 1);
    case 'd':
      return pad(date.getDate());
    case 'H':
      return pad(date.getHours());
    case 'k':
      return pad(date.getHours() === 0 ? 24 : date.getHours());
    case 'h':
      return pad(date.getHours() % 12 === 0 ? 12 : date.getHours() % 12);
    case 'K':
      return pad(date.getHours() % 12);
    case 'm':
      return pad(date.getMinutes());
    case 's':
      return pad(date.getSeconds());
    case 'S':
      return pad(date.getMilliseconds());
    case 'a':
      return date.getHours() < 12 ? 'AM' : 'PM';
    case 'E':
      return count >= 4 ? DAYS[date.getDay()]! : DAYS[date.getDay()]!.slice(0, 3);
    case 'Z': {
      const offset = -date.getTimezoneOffset();
      const abs = Math.abs(offset);
      return `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    }
    default:
      throw new RangeError(`Illegal pattern character '${letter}'`);
  }
}

/**
 * Formats epoch milliseconds with a `java.text.SimpleDateFormat` pattern in the local time zone.
 * Supports the letters y M d H k h K m s S a E Z and quoted text; others throw RangeError with
 * Java's message.
 */
export function formatSimpleDate(epochMs: number, pattern: string): string {
  const date = new Date(epochMs);
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      if (end < 0) throw new RangeError('Unterminated quote');
      out += pattern.slice(i + 1, end);
      i = end + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out += field(c, j - i, date);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
