/**
 * Starts the moto server (SQS, EventBridge, DynamoDB, Secrets Manager) on a free loopback port and
 * stops it with the process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PSEUDO_PARAMETERS } from '../../template/index.js';
import { MotoUnavailableError, resolveMotoPython } from './python-env.js';

// Callers have always caught it from here; it lives in python-env.ts, which raises most of them.
export { MotoUnavailableError };

/** moto's default region and account: the pseudo parameters the template resolves to locally. */
export const LOCAL_REGION = DEFAULT_PSEUDO_PARAMETERS['AWS::Region'];
export const LOCAL_ACCOUNT = DEFAULT_PSEUDO_PARAMETERS['AWS::AccountId'];

/** Dummy credentials moto accepts; set for every SDK client of the local stack and the tests. */
export const LOCAL_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
} as const;

/** The dummy credentials of {@link LOCAL_AWS_ENV}, as an SDK client's `credentials`. */
export const LOCAL_CREDENTIALS = { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY } as const;

/** The configuration of an SDK client of the local stack that talks to `endpoint` (moto's). */
export function localClientConfig(endpoint: string): { endpoint: string; region: string; credentials: typeof LOCAL_CREDENTIALS } {
  return { endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: LOCAL_CREDENTIALS };
}

/** A running moto server. */
export interface MotoServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new MotoUnavailableError(`moto server exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok || response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new MotoUnavailableError(`moto server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * Starts moto's server on 127.0.0.1 and waits until it answers; the python is `options.python`, $PYTHON,
 * or the one python-env.ts finds or sets up. The child is killed on `stop()`, and on exit of this
 * process (also Ctrl-C) as a backstop.
 */
export async function startMoto(options: { port?: number; python?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const { python } = await resolveMotoPython({ python: options.python });
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // local/stack/moto_server.py is `python3 -m moto.server` with a parser cache that makes PutEvents ~100× faster.
  const launcher = fileURLToPath(new URL('./moto_server.py', import.meta.url));
  const child = spawn(python, [launcher, '-H', '127.0.0.1', '-p', String(port)], {
    // moto builds queue URLs and ARNs from MOTO_PORT; without it they point at port 5000.
    env: { ...process.env, MOTO_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  try {
    await waitUntilAnswering(endpoint, child, options.timeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw new MotoUnavailableError(`${(error as Error).message}\n${stderr}`);
  }

  return {
    endpoint,
    port,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
      });
    },
  };
}
