/** The HTTP plumbing both modes share: reading a body, delays that end with the server, listening on loopback, closing. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 1_000_000;

/** A request body over MAX_BODY_BYTES. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The request body as text; a BodyTooLarge past MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits that `cancelAll` drops, so stopping the server leaves no timer behind. */
export class Delays {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`, unless cancelled first (then it never does). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Listens on 127.0.0.1 (`port` 0: any free one) and resolves with the port. */
export async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes the server; fetch keeps connections alive, so they are dropped rather than left to idle out. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
