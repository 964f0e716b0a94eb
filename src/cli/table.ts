/** Java `printf("%-Ns")`: left-justified and padded with spaces to `width`; longer values are never cut. */
export function padRight(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}

/**
 * One row of a Kafka tool table: each value padded to its column width (Java `%-Ns`), joined with
 * single spaces; a column whose width is 0 is printed as is (Java `%s`, used for the last column).
 */
export function formatRow(widths: readonly number[], values: readonly string[]): string {
  return values.map((v, i) => padRight(v, widths[i] ?? 0)).join(' ');
}

/** The width of a column: at least `min`, and as wide as its longest value (how Kafka sizes GROUP, TOPIC, ...). */
export function columnWidth(min: number, values: Iterable<string>): number {
  let width = min;
  for (const v of values) width = Math.max(width, v.length);
  return width;
}
