/** Largest number of distinct (client id, API, version) keys counted; further keys are lumped. */
const MAX_KEYS = 10_000;

/** Request counts per (client id, API key, version), so operators see who uses legacy versions. */
export class RequestMetrics {
  private readonly counts = new Map<string, number>();

  /** Counts one request. */
  countRequest(apiKey: number, apiVersion: number, clientId: string | null): void {
    let key = `${clientId ?? ''}\u0000${apiKey}\u0000${apiVersion}`;
    if (!this.counts.has(key) && this.counts.size >= MAX_KEYS) key = `(other)\u0000${apiKey}\u0000${apiVersion}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Snapshot of the counts. */
  snapshot(): { clientId: string; apiKey: number; apiVersion: number; count: number }[] {
    return [...this.counts].map(([key, count]) => {
      const [clientId, apiKey, apiVersion] = key.split('\u0000');
      return { clientId: clientId!, apiKey: Number(apiKey), apiVersion: Number(apiVersion), count };
    });
  }
}
