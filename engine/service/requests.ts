/** A request the engine is running: its cancellation, the client connection it came over, and its end. */
interface Running {
  controller: AbortController;
  client: string | undefined;
  settled: Promise<void>;
}

/**
 * The requests the engine is running, by request id and by the client connection each came over (a browser tab's
 * WebSocket session, a desktop window). A client that goes away takes its requests with it: they are interrupted
 * and their end awaited, so that what they held is released before the client's results are.
 */
export class RunningRequests {
  private readonly requests = new Map<string, Running>();

  /** Registers a request; `finish` must be called when it has settled, whatever its outcome. */
  start(id: string, client: string | undefined): { signal: AbortSignal; finish: () => void } {
    const controller = new AbortController();
    let finish = () => {};
    const settled = new Promise<void>((resolve) => (finish = resolve));
    const running: Running = { controller, client, settled };
    this.requests.set(id, running);
    return {
      signal: controller.signal,
      finish: () => {
        if (this.requests.get(id) === running) this.requests.delete(id);
        finish();
      },
    };
  }

  cancel(id: string): void {
    this.requests.get(id)?.controller.abort();
  }

  cancelAll(): void {
    for (const running of this.requests.values()) running.controller.abort();
  }

  /** Interrupts every request of one client and resolves, with how many there were, once all have settled. */
  async cancelClient(client: string): Promise<number> {
    const mine = [...this.requests.values()].filter((r) => r.client === client);
    for (const running of mine) running.controller.abort();
    await Promise.all(mine.map((r) => r.settled));
    return mine.length;
  }

  /** How many requests are running, and for which clients. */
  counts(): { running: number; clients: Set<string> } {
    const clients = new Set<string>();
    for (const running of this.requests.values()) if (running.client !== undefined) clients.add(running.client);
    return { running: this.requests.size, clients };
  }
}
