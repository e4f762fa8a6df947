/** How every command-line entry point of the project ends: its exit status and what it prints when it fails. */
import { pathToFileURL } from 'node:url';

/** A class of errors; `instanceof` decides which of them are the user's to fix. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** How a command names itself and its failures. */
export interface RunMainOptions {
  /** The command as a user types it, to open every failure line: `npm run chaos`. */
  command: string;
  /** Errors a user can fix (a missing stack, a bad flag): printed as `command: message`, without a stack. */
  userErrors?: readonly ErrorClass[];
  /** The exit status of a user error (default 1). */
  userErrorStatus?: number;
  /** The exit status of any other error, printed in full as `command failed: error` (default 2). */
  failureStatus?: number;
  /** Printed after a user error, e.g. the usage text. */
  hint?: string;
}

/** What `runMain` reaches outside itself; tests pass their own. */
export interface MainIo {
  exit(code: number): void;
  error(...parts: unknown[]): void;
}

const PROCESS_IO: MainIo = { exit: (code) => process.exit(code), error: (...parts) => console.error(...parts) };

/** Whether `error` is one the user can fix, by the command's own list. */
function isUserError(error: unknown, options: RunMainOptions): boolean {
  return (options.userErrors ?? []).some((errorClass) => error instanceof errorClass);
}

/**
 * The exit status of a failed `main`, after printing why: a user error as its message (and the hint),
 * anything else with its stack, since that is a defect to report.
 */
export function reportFailure(error: unknown, options: RunMainOptions, io: MainIo = PROCESS_IO): number {
  if (!isUserError(error, options)) {
    io.error(`${options.command} failed:`, error);
    return options.failureStatus ?? 2;
  }
  io.error(`${options.command}: ${(error as Error).message}`);
  if (options.hint !== undefined) io.error(options.hint);
  return options.userErrorStatus ?? 1;
}

/**
 * Runs a command's `main`. A resolved number is the exit status, and the process exits with it at once
 * (open handles such as a moto child or a keep-alive socket would otherwise keep it running); a
 * resolved `undefined` leaves the process to end on its own (a server that keeps running, or a
 * `process.exitCode` already set). A rejection exits with the status {@link reportFailure} gives.
 */
export function runMain(main: () => Promise<number | void>, options: RunMainOptions, io: MainIo = PROCESS_IO): Promise<void> {
  return main().then(
    (code) => {
      if (typeof code === 'number') io.exit(code);
    },
    (error: unknown) => io.exit(reportFailure(error, options, io)),
  );
}

/** Whether the module of `moduleUrl` (its `import.meta.url`) is the script node was started with, not an import. */
export function isMainModule(moduleUrl: string, argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}
