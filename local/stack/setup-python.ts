/**
 * `npx tsx local/stack/setup-python.ts`: finds or sets up the python that runs moto, as `npm start` and
 * `npm test` do on their way up, and says which; `.ci/run` calls it so a machine without moto fails first.
 */
import { runMain } from '../../tools/cli.js';
import { MotoUnavailableError, resolveMotoPython } from './python-env.js';

async function main(): Promise<number> {
  const found = await resolveMotoPython();
  console.log(`moto ${found.motoVersion}: ${found.python} (${found.source})`);
  return 0;
}

void runMain(main, { command: 'setup-python', userErrors: [MotoUnavailableError], userErrorStatus: 2 });
