/** The per-run log file the functions' output goes to, or none when it goes to this process's stdout. */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';

/** An open log, or `{}` with `logs: 'inherit'`. */
export interface FunctionLog {
  stream?: WriteStream;
  /** The file's path. */
  file?: string;
  /** Ends the stream once what was written is flushed. */
  stop(): Promise<void>;
}

/** Opens `<logDir>/run-<ISO time>.log` for appending, when `logs` is `file`. */
export function openFunctionLog(logs: 'file' | 'inherit', logDir: string): FunctionLog {
  if (logs === 'inherit') return { stop: async () => undefined };
  mkdirSync(logDir, { recursive: true });
  const file = resolve(logDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const stream = createWriteStream(file, { flags: 'a' });
  return { stream, file, stop: () => new Promise<void>((done) => stream.end(() => done())) };
}
