/**
 * Kafka's DefaultMessageFormatter (console consumer): the enabled fields of a record in a fixed
 * order (timestamp, partition, offset, headers, key, value), joined by key.separator and ended by
 * line.separator, with Kafka's deserializers for keys, values and header values.
 */
import type { ConsumerRecord } from '../client/index.js';

/** Formatter properties (`--formatter-property k=v`) this formatter knows. */
export const FORMATTER_PROPERTY_NAMES = [
  'print.timestamp',
  'print.key',
  'print.offset',
  'print.partition',
  'print.headers',
  'print.value',
  'print.delivery',
  'print.epoch',
  'key.separator',
  'line.separator',
  'headers.separator',
  'null.literal',
  'key.deserializer',
  'value.deserializer',
  'headers.deserializer',
] as const;

/** Turns raw bytes into the text printed; null when the class is not one Samsa knows. */
type Deserializer = (bytes: Buffer) => string;

const DESERIALIZERS: Record<string, Deserializer> = {
  StringDeserializer: (b) => b.toString('utf8'),
  ByteArrayDeserializer: (b) => b.toString('utf8'),
  ByteBufferDeserializer: (b) => b.toString('utf8'),
  BytesDeserializer: (b) => b.toString('utf8'),
  VoidDeserializer: () => 'null',
  ShortDeserializer: (b) => fixedWidth(b, 2, () => String(b.readInt16BE(0))),
  IntegerDeserializer: (b) => fixedWidth(b, 4, () => String(b.readInt32BE(0))),
  LongDeserializer: (b) => fixedWidth(b, 8, () => String(b.readBigInt64BE(0))),
  FloatDeserializer: (b) => fixedWidth(b, 4, () => javaFloatText(b.readFloatBE(0))),
  DoubleDeserializer: (b) => fixedWidth(b, 8, () => javaFloatText(b.readDoubleBE(0))),
  UUIDDeserializer: (b) => b.toString('utf8'),
  BooleanDeserializer: (b) => fixedWidth(b, 1, () => String(b[0] !== 0)),
};

function fixedWidth(bytes: Buffer, width: number, read: () => string): string {
  if (bytes.length !== width) throw new Error(`Size of data received by deserializer is not ${width}`);
  return read();
}

function javaFloatText(value: number): string {
  const text = String(value);
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** The deserializer named by a Java class name (any package), or a RangeError naming it. */
export function deserializerFor(className: string): Deserializer {
  const simple = className.trim().split('.').at(-1)!;
  const found = DESERIALIZERS[simple];
  if (!found) throw new RangeError(`Unknown deserializer class '${className}': Samsa supports ${Object.keys(DESERIALIZERS).join(', ')}`);
  return found;
}

const bool = (props: ReadonlyMap<string, string>, key: string, fallback: boolean): boolean => {
  const value = props.get(key);
  return value === undefined ? fallback : value.trim().toLowerCase() === 'true';
};

/** DefaultMessageFormatter configured from formatter properties. */
export class DefaultMessageFormatter {
  private readonly printTimestamp: boolean;
  private readonly printKey: boolean;
  private readonly printValue: boolean;
  private readonly printPartition: boolean;
  private readonly printOffset: boolean;
  private readonly printDelivery: boolean;
  private readonly printHeaders: boolean;
  private readonly keySeparator: Buffer;
  private readonly lineSeparator: Buffer;
  private readonly headersSeparator: Buffer;
  private readonly nullLiteral: Buffer;
  private readonly keyDeserializer: Deserializer | undefined;
  private readonly valueDeserializer: Deserializer | undefined;
  private readonly headersDeserializer: Deserializer | undefined;

  /** Throws RangeError for an unknown deserializer class. */
  constructor(props: ReadonlyMap<string, string> = new Map()) {
    this.printTimestamp = bool(props, 'print.timestamp', false);
    this.printKey = bool(props, 'print.key', false);
    this.printValue = bool(props, 'print.value', true);
    this.printPartition = bool(props, 'print.partition', false);
    this.printOffset = bool(props, 'print.offset', false);
    this.printDelivery = bool(props, 'print.delivery', false);
    this.printHeaders = bool(props, 'print.headers', false);
    const bytes = (key: string, fallback: string): Buffer => Buffer.from(props.get(key) ?? fallback, 'utf8');
    this.keySeparator = bytes('key.separator', '\t');
    this.lineSeparator = bytes('line.separator', '\n');
    this.headersSeparator = bytes('headers.separator', ',');
    this.nullLiteral = bytes('null.literal', 'null');
    const deserializer = (key: string): Deserializer | undefined => (props.has(key) ? deserializerFor(props.get(key)!) : undefined);
    this.keyDeserializer = deserializer('key.deserializer');
    this.valueDeserializer = deserializer('value.deserializer');
    this.headersDeserializer = deserializer('headers.deserializer');
  }

  private field(bytes: Buffer | null, deserializer: Deserializer | undefined): Buffer {
    if (bytes === null) return this.nullLiteral;
    return deserializer ? Buffer.from(deserializer(bytes), 'utf8') : bytes;
  }

  /** The bytes printed for one record (possibly empty when every field is off). */
  format(record: ConsumerRecord): Buffer {
    const parts: Buffer[] = [];
    const separator = (more: boolean): void => void parts.push(more ? this.keySeparator : this.lineSeparator);
    if (this.printTimestamp) {
      parts.push(Buffer.from(record.timestamp < 0 ? 'NO_TIMESTAMP' : `${record.timestampType}:${record.timestamp}`));
      separator(this.printPartition || this.printOffset || this.printDelivery || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printPartition) {
      parts.push(Buffer.from(`Partition:${record.partition}`));
      separator(this.printOffset || this.printDelivery || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printOffset) {
      parts.push(Buffer.from(`Offset:${record.offset}`));
      separator(this.printDelivery || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printDelivery) {
      parts.push(Buffer.from('Delivery:NONE')); // only share consumers know delivery counts
      separator(this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printHeaders) {
      if (record.headers.length === 0) parts.push(Buffer.from('NO_HEADERS'));
      record.headers.forEach((header, i) => {
        parts.push(Buffer.from(`${header.key}:`), this.field(header.value, this.headersDeserializer));
        if (i < record.headers.length - 1) parts.push(this.headersSeparator);
      });
      separator(this.printKey || this.printValue);
    }
    if (this.printKey) {
      parts.push(this.field(record.key, this.keyDeserializer));
      separator(this.printValue);
    }
    if (this.printValue) {
      parts.push(this.field(record.value, this.valueDeserializer), this.lineSeparator);
    }
    return Buffer.concat(parts);
  }
}
