/**
 * Headless Chromium (Debian's `chromium` package) driven from its command line: no puppeteer, no
 * browser download. `.ci/run` installs it where it is missing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The browser binary: CHROMIUM_BIN, else `chromium` on PATH. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? 'chromium';

/** Flags for a quiet, offline, throwaway browser: no sandbox (containers), no GPU, nothing fetched in the background. */
function flags(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
  ];
}

async function withProfile<T>(action: (profile: string) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    return await action(profile);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads `file` and returns the DOM as Chromium serialises it once the page has loaded and its scripts ran. */
export function dumpDom(file: string): Promise<string> {
  return withProfile(async (profile) => {
    const { stdout } = await run(CHROMIUM, [...flags(profile), '--dump-dom', pathToFileURL(file).href], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  });
}

/** Loads `file` and writes a PNG screenshot of `width` x `height` to `png`. */
export function screenshot(file: string, png: string, width = 1280, height = 2000): Promise<void> {
  return withProfile(async (profile) => {
    await run(CHROMIUM, [...flags(profile), `--window-size=${width},${height}`, `--screenshot=${png}`, pathToFileURL(file).href]);
  });
}
