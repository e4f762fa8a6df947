/**
 * Decides which python runs moto's server: $PYTHON, the project's virtual environment in .local/python,
 * a system python3 that has moto, or a virtual environment it makes on first run from requirements.txt.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../template/index.js';

/** Raised when no python with moto's server can be found or set up: the message names the command to run. */
export class MotoUnavailableError extends Error {
  override readonly name = 'MotoUnavailableError';
}

/** What one command gave back; `error` is set when it could not be started (ENOENT) or was killed on its timeout. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Runs a command to completion; injectable so the decisions are tested without spawning pip. */
export type Runner = (command: string, args: readonly string[], options: { timeoutMs: number }) => Promise<RunResult>;

/** The python that runs moto, and why it was picked. */
export interface MotoPython {
  python: string;
  source: 'PYTHON' | 'venv' | 'system' | 'created';
  motoVersion: string;
}

/** Where to look; every field has the project's default. */
export interface PythonEnvOptions {
  /** An explicit interpreter (startMoto's `python`); else $PYTHON. */
  python?: string;
  env?: NodeJS.ProcessEnv;
  run?: Runner;
  /** Where the progress line of a first-run install goes (default stderr). */
  log?: (line: string) => void;
  /** The virtual environment's directory (default .local/python). */
  venvDir?: string;
  requirementsFile?: string;
}

const DEFAULT_VENV_DIR = resolve(PROJECT_ROOT, '.local/python');
const DEFAULT_REQUIREMENTS = fileURLToPath(new URL('./requirements.txt', import.meta.url));
// Written after an install whose import was verified, holding the requirements it installed: a venv left
// half-made by a failed attempt has none, and one made for an older pin does not match.
const MARKER = '.moto-requirements';
// moto 5.2's Requires-Python.
const MIN_PYTHON: readonly [number, number] = [3, 10];
const PROBE = [
  'import json, sys',
  'try:',
  '    import moto, moto.server, flask, jsonpath_ng',
  '    found, missing = moto.__version__, None',
  'except ImportError as e:',
  '    found, missing = None, str(e)',
  'print(json.dumps({"python": list(sys.version_info[:2]), "moto": found, "missing": missing}))',
].join('\n');

/** What the phases after the first decision share. */
interface Setup {
  run: Runner;
  venvDir: string;
  requirementsFile: string;
  requirements: string;
  log: (line: string) => void;
}

type Probe = { ran: false; reason: string } | { ran: true; version: [number, number]; moto: string | null; missing: string };

/** Spawns the command with its output captured (the last 4,000 characters of each stream). */
export const spawnRunner: Runner = (command, args, { timeoutMs }) =>
  new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (out.stdout = (out.stdout + chunk.toString()).slice(-4_000)));
    child.stderr.on('data', (chunk: Buffer) => (out.stderr = (out.stderr + chunk.toString()).slice(-4_000)));
    let error: Error | undefined;
    child.on('error', (spawnError) => (error = spawnError));
    // Our own timer, not spawn's `timeout`: Node leaves that one running when the command does not exist.
    const timer = setTimeout(() => {
      error = new Error(`killed after ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, ...out, ...(error === undefined ? {} : { error }) });
    });
  });

function lastLine(result: RunResult): string {
  return result.error?.message ?? (`${result.stdout}\n${result.stderr}`.trim().split('\n').pop() ?? '').trim();
}

async function probe(run: Runner, python: string): Promise<Probe> {
  const result = await run(python, ['-c', PROBE], { timeoutMs: 60_000 });
  if (result.error !== undefined || result.status !== 0) return { ran: false, reason: lastLine(result) || `exit code ${result.status}` };
  try {
    const answer = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as { python: [number, number]; moto: string | null; missing: string | null };
    return { ran: true, version: answer.python, moto: answer.moto, missing: answer.missing ?? '' };
  } catch {
    return { ran: false, reason: `unexpected answer: ${result.stdout.trim().slice(0, 200)}` };
  }
}

/** A path as a command typed here takes it: relative inside the current directory, absolute outside. */
function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || isAbsolute(fromHere) ? path : fromHere;
}

/**
 * The python that runs moto's server, in this order: the explicit one ($PYTHON), which must have moto;
 * .local/python when a verified install made it; python3 when it has moto; else a new .local/python.
 * Every way this cannot work ends in one {@link MotoUnavailableError} naming the command to run.
 */
export async function resolveMotoPython(options: PythonEnvOptions = {}): Promise<MotoPython> {
  const env = options.env ?? process.env;
  const run = options.run ?? spawnRunner;
  const venvDir = options.venvDir ?? DEFAULT_VENV_DIR;
  const requirementsFile = options.requirementsFile ?? DEFAULT_REQUIREMENTS;
  const requirements = await readFile(requirementsFile, 'utf8');
  const setup = { run, venvDir, requirementsFile, requirements, log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)) };

  const explicit = options.python ?? env.PYTHON;
  if (explicit !== undefined && explicit !== '') return useExplicit(explicit, options.python === undefined ? `PYTHON=${explicit}` : explicit, setup);

  const venvPython = join(venvDir, 'bin', 'python');
  if ((await readMarker(venvDir)) === requirements) {
    const found = await probe(run, venvPython);
    if (found.ran && found.moto !== null) return { python: venvPython, source: 'venv', motoVersion: found.moto };
  }

  const system = await probe(run, 'python3');
  if (!system.ran) {
    throw new MotoUnavailableError(
      `the local stack runs moto's server on Python, and python3 could not be run (${system.reason}). ` +
        `Install python3 (${MIN_PYTHON.join('.')} or newer); the next run sets moto up in ${shown(venvDir)}.`,
    );
  }
  if (system.moto !== null) return { python: 'python3', source: 'system', motoVersion: system.moto };
  return createVenv(system.version, setup);
}

async function useExplicit(python: string, label: string, setup: Setup): Promise<MotoPython> {
  const found = await probe(setup.run, python);
  if (found.ran && found.moto !== null) return { python, source: 'PYTHON', motoVersion: found.moto };
  const why = found.ran ? found.missing : `cannot be run: ${found.reason}`;
  throw new MotoUnavailableError(
    `${label} has no moto server (${why}). Install it there: ${python} -m pip install -r ${shown(setup.requirementsFile)}; ` +
      `or unset PYTHON to let the local stack set moto up in ${shown(setup.venvDir)}.`,
  );
}

async function readMarker(venvDir: string): Promise<string | undefined> {
  return readFile(join(venvDir, MARKER), 'utf8').catch(() => undefined);
}

/** python3 -m venv, pip install -r requirements.txt, verify the import, then write the marker. */
async function createVenv(version: [number, number], { run, venvDir, requirementsFile, requirements, log }: Setup): Promise<MotoPython> {
  const pinned = /^moto\[server\]==(\S+)/m.exec(requirements)?.[1] ?? 'moto';
  const venv = shown(venvDir);
  const pip = join(venvDir, 'bin', 'pip');
  const manual = `python3 -m venv ${venv} && ${shown(pip)} install -r ${shown(requirementsFile)}`;
  const python = `python3 ${version.join('.')}`;
  if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
    throw new MotoUnavailableError(`moto ${pinned} needs Python ${MIN_PYTHON.join('.')} or newer, and python3 is ${version.join('.')}: install a newer python3, or set PYTHON to one that has moto[server].`);
  }

  log(`setting up moto ${pinned} in ${venv} (first run only, about a minute)...`);
  // --clear: a venv left half-made by an earlier attempt is started over, not built on.
  const made = await run('python3', ['-m', 'venv', '--clear', venvDir], { timeoutMs: 120_000 });
  if (made.error !== undefined || made.status !== 0) {
    // Debian and Ubuntu ship venv's ensurepip apart, in python3-venv; their message says so, on stdout.
    const missingModule = /ensurepip|No module named venv/.test(`${made.stdout}\n${made.stderr}`);
    throw new MotoUnavailableError(
      missingModule
        ? `${python} cannot make a virtual environment: its venv module (ensurepip) is missing. ` +
            `Install it (Debian/Ubuntu: apt-get install python3-venv, or python${version.join('.')}-venv), then run again; or install moto yourself: pip install -r ${shown(requirementsFile)}.`
        : `${python} could not make ${venv} (${lastLine(made)}). Make it yourself: ${manual}`,
    );
  }
  // pip's own timeout per connection, so an unreachable index fails in seconds instead of hanging.
  const installed = await run(pip, ['install', '--disable-pip-version-check', '--timeout', '15', '--retries', '1', '-r', requirementsFile], { timeoutMs: 600_000 });
  if (installed.error !== undefined || installed.status !== 0) {
    throw new MotoUnavailableError(
      `could not install moto ${pinned} into ${venv} (pip: ${lastLine(installed)}); is PyPI reachable? ` +
        `Where it is, run: ${manual}; or set PYTHON to a python that has moto[server].`,
    );
  }
  const venvPython = join(venvDir, 'bin', 'python');
  const found = await probe(run, venvPython);
  if (!found.ran || found.moto === null) {
    throw new MotoUnavailableError(`pip installed ${shown(requirementsFile)} into ${venv}, but moto's server does not import there (${found.ran ? found.missing : found.reason}). Start over with: rm -rf ${venv}, then run again.`);
  }
  await writeFile(join(venvDir, MARKER), requirements);
  return { python: venvPython, source: 'created', motoVersion: found.moto };
}
