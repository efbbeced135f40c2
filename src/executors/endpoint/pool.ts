/**
 * Several servers behind one endpoint (one vLLM server per GPU): a stream is assigned, at its first request,
 * to the server with the fewest requests in flight (then the fewest streams, then the first listed), and
 * stays there so the server's prefix cache keeps hitting; it moves only when its server cannot be reached.
 * Clients of the same server list in one process share one pool, so the counts span all streams.
 */
export class ServerPool {
  readonly inFlight: number[];
  readonly streams: number[];

  constructor(readonly urls: readonly string[]) {
    this.inFlight = urls.map(() => 0);
    this.streams = urls.map(() => 0);
  }

  /** The server for a new stream (or for one moving off `avoid`). */
  assign(avoid?: number): number {
    let best = -1;
    for (let i = 0; i < this.urls.length; i++) {
      if (i === avoid && this.urls.length > 1) continue;
      if (
        best < 0 ||
        this.inFlight[i] < this.inFlight[best] ||
        (this.inFlight[i] === this.inFlight[best] && this.streams[i] < this.streams[best])
      )
        best = i;
    }
    this.streams[best]++;
    if (avoid !== undefined && avoid !== best) this.streams[avoid]--;
    return best;
  }

  begin(i: number): void {
    this.inFlight[i]++;
  }

  end(i: number): void {
    this.inFlight[i]--;
  }
}

const POOLS = new Map<string, ServerPool>();

/** The process-wide pool of a server list (created on first use). */
export function poolFor(urls: readonly string[]): ServerPool {
  const key = urls.join("\n");
  let p = POOLS.get(key);
  if (!p) POOLS.set(key, (p = new ServerPool(urls)));
  return p;
}
