/** How a command-line entry point ends (tools/cli.ts): the exit status and the lines a failure prints. */
import { pathToFileURL } from 'node:url';
import { isMainModule, runMain, type MainIo, type RunMainOptions } from '../../tools/cli.js';

class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

function recordingIo(): MainIo & { exits: number[]; lines: unknown[][] } {
  const exits: number[] = [];
  const lines: unknown[][] = [];
  return { exits, lines, exit: (code) => exits.push(code), error: (...parts) => lines.push(parts) };
}

const OPTIONS: RunMainOptions = { command: 'npm run probe', userErrors: [OperatorError], hint: 'Usage: npm run probe' };

describe('runMain', () => {
  it.each([0, 1, 3])('exits with the status %i that main resolves to, printing nothing', async (code) => {
    const io = recordingIo();

    await runMain(async () => code, OPTIONS, io);

    expect(io.exits).toEqual([code]);
    expect(io.lines).toEqual([]);
  });

  it('leaves the process running when main resolves to nothing (a server, or an exitCode already set)', async () => {
    const io = recordingIo();

    await runMain(async () => undefined, OPTIONS, io);

    expect(io.exits).toEqual([]);
  });

  it('prints a user error as its message and the hint, and exits with the user-error status', async () => {
    const io = recordingIo();

    await runMain(async () => Promise.reject(new OperatorError('no stack running')), { ...OPTIONS, userErrorStatus: 4 }, io);

    expect(io.lines).toEqual([['npm run probe: no stack running'], ['Usage: npm run probe']]);
    expect(io.exits).toEqual([4]);
  });

  it('prints any other error in full and exits with the failure status (2 unless told)', async () => {
    const io = recordingIo();
    const defect = new TypeError('undefined is not a function');

    await runMain(async () => Promise.reject(defect), OPTIONS, io);
    await runMain(async () => Promise.reject(defect), { ...OPTIONS, failureStatus: 1 }, io);

    expect(io.lines).toEqual([
      ['npm run probe failed:', defect],
      ['npm run probe failed:', defect],
    ]);
    expect(io.exits).toEqual([2, 1]);
  });

  it('exits 1 for a user error when no status is given', async () => {
    const io = recordingIo();

    await runMain(async () => Promise.reject(new OperatorError('bad flag')), { command: 'x', userErrors: [OperatorError] }, io);

    expect(io.exits).toEqual([1]);
  });
});

describe('isMainModule', () => {
  const script = '/work/tools/probe.ts';

  it('is true for the module node was started with', () => {
    expect(isMainModule(pathToFileURL(script).href, ['node', script])).toBe(true);
  });

  it('is false for a module imported by another, and when there is no script', () => {
    expect(isMainModule(pathToFileURL('/work/tools/other.ts').href, ['node', script])).toBe(false);
    expect(isMainModule(pathToFileURL(script).href, ['node'])).toBe(false);
  });
});
