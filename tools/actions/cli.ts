/**
 * `npm run actions`: compiles actions.yaml into template.yaml's rule pattern and the workflow's routing states
 * (what `sam build` then deploys). `--check` writes nothing and fails when they are behind the file.
 */
import { parseArgs } from 'node:util';
import { isMainModule, runMain } from '../cli.js';
import { ActionsError } from './config.js';
import { kindsOf } from './compile.js';
import { staleFiles, staleMessage, writeGeneratedFiles } from './generate.js';
import { readActions } from './index.js';

/** Compiles or checks; answers the exit status. */
export function main(argv: readonly string[] = process.argv.slice(2)): number {
  const { values } = parseArgs({ args: [...argv], options: { check: { type: 'boolean', default: false } } });
  const config = readActions();
  const summary = `${config.actions.length} actions on ${kindsOf(config).join(', ')}`;
  if (values.check) {
    const stale = staleFiles(config);
    if (stale.length > 0) throw new ActionsError(staleMessage(stale, config.file));
    console.log(`${config.file}: ${summary}; template.yaml and the workflow are up to date`);
    return 0;
  }
  const written = writeGeneratedFiles(config);
  console.log(`${config.file}: ${summary}; ${written.length === 0 ? 'nothing to write' : `wrote ${written.join(', ')}`}`);
  return 0;
}

if (isMainModule(import.meta.url)) void runMain(async () => main(), { command: 'npm run actions', userErrors: [ActionsError] });
