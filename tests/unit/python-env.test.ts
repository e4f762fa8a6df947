/**
 * Which python runs moto (local/stack/python-env.ts): the decisions against a fake runner that answers
 * as the machines would (python3 with or without moto, Debian without python3-venv, pip offline), then
 * the real detection on this machine, whose python3 has moto.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MotoUnavailableError, resolveMotoPython, spawnRunner, type RunResult, type Runner } from '../../local/stack/python-env.js';

const REQUIREMENTS_FILE = fileURLToPath(new URL('../../local/stack/requirements.txt', import.meta.url));
const REQUIREMENTS = readFileSync(REQUIREMENTS_FILE, 'utf8');
const root = mkdtempSync(join(tmpdir(), 'python-env-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Python = { version?: [number, number]; moto: string | null };

/** A machine: the pythons on it, whether `python3 -m venv` works, whether PyPI answers. */
interface World {
  pythons: Record<string, Python>;
  venv?: 'ok' | 'no-ensurepip';
  pip?: 'ok' | 'offline';
}

const ok = (stdout = ''): RunResult => ({ status: 0, stdout, stderr: '' });
const failed = (stdout: string, stderr = ''): RunResult => ({ status: 1, stdout, stderr });

/** A runner that plays `world` and records each command, the probe script shown as `<probe>`. */
function fakeRunner(world: World): { run: Runner; calls: string[] } {
  const calls: string[] = [];
  const run: Runner = async (command, args) => {
    calls.push([command, ...(args[0] === '-c' ? ['<probe>'] : args)].join(' '));
    if (args[0] === '-c') {
      const python = world.pythons[command];
      if (python === undefined) return { status: null, stdout: '', stderr: '', error: new Error(`spawn ${command} ENOENT`) };
      const missing = python.moto === null ? "No module named 'moto'" : null;
      return ok(JSON.stringify({ python: python.version ?? [3, 11], moto: python.moto, missing }));
    }
    if (args[0] === '-m' && args[1] === 'venv') {
      if (world.venv === 'no-ensurepip') {
        return failed(
          'The virtual environment was not created successfully because ensurepip is not\navailable.  On Debian/Ubuntu systems, you need to install the python3-venv\npackage using the following command.\n\n    apt install python3.11-venv\n',
        );
      }
      mkdirSync(join(args.at(-1) ?? '', 'bin'), { recursive: true });
      return ok();
    }
    if (command.endsWith('/bin/pip')) {
      if (world.pip === 'offline') {
        return failed('Looking in indexes: https://pypi.org/simple\n', 'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)\nERROR: No matching distribution found for moto[server]==5.2.1');
      }
      world.pythons[command.replace(/pip$/, 'python')] = { moto: '5.2.1' };
      return ok('Successfully installed moto-5.2.1');
    }
    throw new Error(`the fake runner does not know: ${command} ${args.join(' ')}`);
  };
  return { run, calls };
}

/** A fresh .local/python location, and the options that point resolveMotoPython at it. */
function setup(world: World, env: NodeJS.ProcessEnv = {}) {
  const venvDir = join(mkdtempSync(join(root, 'project-')), '.local/python');
  const log: string[] = [];
  const { run, calls } = fakeRunner(world);
  return { world, venvDir, log, calls, options: { env, run, venvDir, requirementsFile: REQUIREMENTS_FILE, log: (line: string) => log.push(line) } };
}

function markVerified(venvDir: string, requirements = REQUIREMENTS): void {
  mkdirSync(join(venvDir, 'bin'), { recursive: true });
  writeFileSync(join(venvDir, '.moto-requirements'), requirements);
}

async function failure(promise: Promise<unknown>): Promise<MotoUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MotoUnavailableError);
  return error as MotoUnavailableError;
}

describe('resolveMotoPython', () => {
  it('pins moto with its server extra, which brings the Flask and jsonpath_ng that moto_server.py imports', () => {
    expect(REQUIREMENTS).toMatch(/^moto\[server\]==5\.2\.1$/m);
  });

  it('uses system python3 when it has moto, and makes no venv', async () => {
    const { options, calls, log, venvDir } = setup({ pythons: { python3: { moto: '5.2.1' } } });

    await expect(resolveMotoPython(options)).resolves.toEqual({ python: 'python3', source: 'system', motoVersion: '5.2.1' });
    expect(calls).toEqual(['python3 <probe>']);
    expect(log).toEqual([]);
    expect(existsSync(venvDir)).toBe(false);
  });

  it('reuses .local/python when a verified install of the same pin made it, without asking python3', async () => {
    const { options, calls, venvDir, world } = setup({ pythons: { python3: { moto: null } } });
    markVerified(venvDir);
    const venvPython = join(venvDir, 'bin/python');
    world.pythons[venvPython] = { moto: '5.2.1' };

    await expect(resolveMotoPython(options)).resolves.toEqual({ python: venvPython, source: 'venv', motoVersion: '5.2.1' });
    expect(calls).toEqual([`${venvPython} <probe>`]);
  });

  it('makes .local/python on first run when python3 lacks moto: one progress line, venv, pip, a verified import; the next run reuses it', async () => {
    const { options, calls, log, venvDir } = setup({ pythons: { python3: { moto: null } }, venv: 'ok', pip: 'ok' });

    await expect(resolveMotoPython(options)).resolves.toEqual({ python: join(venvDir, 'bin/python'), source: 'created', motoVersion: '5.2.1' });
    expect(log).toEqual([`setting up moto 5.2.1 in ${venvDir} (first run only, about a minute)...`]);
    expect(calls).toEqual([
      'python3 <probe>',
      `python3 -m venv --clear ${venvDir}`,
      `${venvDir}/bin/pip install --disable-pip-version-check --timeout 15 --retries 1 -r ${REQUIREMENTS_FILE}`,
      `${venvDir}/bin/python <probe>`,
    ]);

    calls.length = 0;
    await expect(resolveMotoPython(options)).resolves.toMatchObject({ source: 'venv' });
    expect(calls).toEqual([`${venvDir}/bin/python <probe>`]);
    expect(log).toHaveLength(1);
  });

  // Its python answers with moto in both cases: only the marker tells a verified install from these.
  it.each([
    ['a venv left half-made by a failed attempt (no marker)', undefined],
    ['a venv made for an older pin', 'moto[server]==5.1.0\n'],
  ])('does not reuse %s: it sets one up anew', async (_case, marker) => {
    const { options, calls, venvDir, world } = setup({ pythons: { python3: { moto: null } }, venv: 'ok', pip: 'ok' });
    world.pythons[join(venvDir, 'bin/python')] = { moto: marker === undefined ? '5.2.1' : '5.1.0' };
    mkdirSync(join(venvDir, 'bin'), { recursive: true });
    if (marker !== undefined) markVerified(venvDir, marker);

    await expect(resolveMotoPython(options)).resolves.toMatchObject({ source: 'created' });
    expect(calls).toContain(`python3 -m venv --clear ${venvDir}`);
    expect(readFileSync(join(venvDir, '.moto-requirements'), 'utf8')).toBe(REQUIREMENTS);
  });

  it('uses $PYTHON when it has moto, and looks nowhere else', async () => {
    const { options, calls } = setup({ pythons: { '/opt/py/bin/python': { moto: '5.1.4' }, python3: { moto: '5.2.1' } } }, { PYTHON: '/opt/py/bin/python' });

    await expect(resolveMotoPython(options)).resolves.toEqual({ python: '/opt/py/bin/python', source: 'PYTHON', motoVersion: '5.1.4' });
    expect(calls).toEqual(['/opt/py/bin/python <probe>']);
  });

  it.each([
    ['$PYTHON without moto', { pythons: { '/opt/py/bin/python': { moto: null }, python3: { moto: '5.2.1' } } }, /^PYTHON=\/opt\/py\/bin\/python has no moto server \(No module named 'moto'\)\. Install it there: \/opt\/py\/bin\/python -m pip install -r \S+requirements\.txt; or unset PYTHON/],
    ['$PYTHON that cannot be run', { pythons: { python3: { moto: '5.2.1' } } }, /^PYTHON=\/opt\/py\/bin\/python has no moto server \(cannot be run: spawn \/opt\/py\/bin\/python ENOENT\)/],
  ])('%s: one error naming PYTHON and the install command, never falling back to python3', async (_case, world, message) => {
    const { options, calls } = setup(world, { PYTHON: '/opt/py/bin/python' });

    expect((await failure(resolveMotoPython(options))).message).toMatch(message);
    expect(calls).toEqual(['/opt/py/bin/python <probe>']);
  });

  it.each<[string, World, (venvDir: string) => RegExp]>([
    ['no python3', { pythons: {} }, () => /python3 could not be run \(spawn python3 ENOENT\)\. Install python3 \(3\.10 or newer\)/],
    ['a python3 older than moto needs', { pythons: { python3: { version: [3, 8], moto: null } } }, () => /moto 5\.2\.1 needs Python 3\.10 or newer, and python3 is 3\.8/],
    ['no venv module (Debian without python3-venv)', { pythons: { python3: { moto: null } }, venv: 'no-ensurepip' }, () => /venv module \(ensurepip\) is missing\. Install it \(Debian\/Ubuntu: apt-get install python3-venv, or python3\.11-venv\)/],
    [
      'pip failing offline',
      { pythons: { python3: { moto: null } }, venv: 'ok', pip: 'offline' },
      (venvDir) => new RegExp(`No matching distribution found for moto\\[server\\]==5\\.2\\.1\\); is PyPI reachable\\? Where it is, run: python3 -m venv ${venvDir} && ${venvDir}/bin/pip install -r \\S+requirements\\.txt`),
    ],
  ])('%s: one MotoUnavailableError with the command to run, and no venv taken for good', async (_case, world, message) => {
    const { options, venvDir } = setup(world);

    const error = await failure(resolveMotoPython(options));
    expect(error.message).toMatch(message(venvDir));
    expect(error.name).toBe('MotoUnavailableError');
    expect(existsSync(join(venvDir, '.moto-requirements'))).toBe(false);
  });
});

describe('on this machine', () => {
  it('picks system python3, which has the pinned moto, and makes no venv', async () => {
    const venvDir = join(mkdtempSync(join(root, 'real-')), '.local/python');

    await expect(resolveMotoPython({ env: {}, venvDir, log: () => undefined })).resolves.toEqual({ python: 'python3', source: 'system', motoVersion: '5.2.1' });
    expect(existsSync(venvDir)).toBe(false);
  });

  it('the runner reports a command it cannot start, and one it killed on its timeout', async () => {
    const missing = await spawnRunner('no-such-python-here', [], { timeoutMs: 10_000 });
    const killed = await spawnRunner('python3', ['-c', 'import time; time.sleep(60)'], { timeoutMs: 300 });

    expect(missing.error?.message).toMatch(/ENOENT/);
    expect(killed).toMatchObject({ status: null, error: expect.objectContaining({ message: expect.stringMatching(/killed after 300 ms/) }) });
  });
});
