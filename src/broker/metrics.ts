/** Largest number of distinct client ids counted per (API, version); further ones are lumped. */
const MAX_CLIENTS_PER_VERSION = 1000;
const OTHER_CLIENTS = '(other)';

/** Request counts per (API key, version, client id), so operators see who uses legacy versions. */
export class RequestMetrics {
  /** apiKey * 1000 + version -> client id -> count. */
  private readonly counts = new Map<number, Map<string, number>>();

  /** Counts one request. */
  countRequest(apiKey: number, apiVersion: number, clientId: string | null): void {
    const slot = apiKey * 1000 + apiVersion;
    let byClient = this.counts.get(slot);
    if (!byClient) this.counts.set(slot, (byClient = new Map()));
    const client = clientId ?? '';
    const current = byClient.get(client);
    if (current !== undefined) byClient.set(client, current + 1);
    else if (byClient.size < MAX_CLIENTS_PER_VERSION) byClient.set(client, 1);
    else byClient.set(OTHER_CLIENTS, (byClient.get(OTHER_CLIENTS) ?? 0) + 1);
  }

  /** Snapshot of the counts. */
  snapshot(): { clientId: string; apiKey: number; apiVersion: number; count: number }[] {
    const out: { clientId: string; apiKey: number; apiVersion: number; count: number }[] = [];
    for (const [slot, byClient] of this.counts) {
      for (const [clientId, count] of byClient) out.push({ clientId, apiKey: Math.floor(slot / 1000), apiVersion: slot % 1000, count });
    }
    return out;
  }
}
