/**
 * Bounds the bytes of records handed to the producer and not yet completed. Samsa's produce()
 * never blocks the event loop (records past buffer.memory wait inside the client), so a tool that
 * reads input faster than the broker acknowledges it would queue without limit; it calls
 * `waitForRoom()` when `full`, which is where the Java tools block inside send().
 */
export class SendWindow {
  private bytes = 0;
  private waiter: (() => void) | null = null;

  /** @param limitBytes bytes outstanding before `full` (the producer's buffer.memory is a good choice). */
  constructor(private readonly limitBytes: number) {}

  /** Whether the caller should wait before producing more. */
  get full(): boolean {
    return this.bytes >= this.limitBytes;
  }

  /** Bytes produced and not yet completed. */
  get outstandingBytes(): number {
    return this.bytes;
  }

  /** Counts a record handed to the producer. */
  add(bytes: number): void {
    this.bytes += bytes;
  }

  /** Counts a completed (acknowledged or failed) record; wakes the waiter once below half the limit. */
  done(bytes: number): void {
    this.bytes -= bytes;
    if (this.waiter !== null && this.bytes <= this.limitBytes / 2) {
      const wake = this.waiter;
      this.waiter = null;
      wake();
    }
  }

  /** Resolves once enough records completed (immediately when not full). One waiter at a time. */
  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
