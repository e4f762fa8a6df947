/**
 * The one-way dependency rule (tools/lint/layers.js) as `npm run lint` applies it: an import against
 * the direction is refused with the parts named, one along it passes, and the tree itself is clean.
 */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../template/index.js';

const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(PROJECT_ROOT, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'layers/one-way').map((message) => message.message);
}

describe('imports run one way', () => {
  it.each([
    ['functions/shared/probe.ts', "import { loadTemplate } from '../../template/index.js';\nexport const t = loadTemplate;\n", 'functions may not import template'],
    ['template/probe.ts', "export { startMoto } from '../local/stack/moto.js';\n", 'template may not import local/stack'],
    ['tools/dlq/probe.ts', "import { LOCAL_AWS_ENV } from '../../local/stack/moto.js';\nexport const env = LOCAL_AWS_ENV;\n", 'tools may not import local/stack'],
    ['local/genesys-sim/probe.ts', "export const run = await import('../harness/run.js');\n", 'local/genesys-sim may not import local/harness'],
    ['local/stack/probe.ts', "import type { RunSummary } from '../harness/run.js';\nexport type S = RunSummary;\n", 'local/stack may not import local/harness'],
    ['bench/probe.ts', "import { makeEvent } from '../tests/helpers/factories.js';\nexport const e = makeEvent;\n", 'bench may not import tests'],
  ])('%s: an import against the direction is refused', async (file, code, expected) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it.each([
    ['local/harness/probe.ts', "import { startLocalStack } from '../stack/index.js';\nexport const s = startLocalStack;\n"],
    ['tools/probe.ts', "import { loadTemplate } from '../template/index.js';\nexport const t = loadTemplate;\n"],
    ['functions/dispatcher/probe.ts', "import { errorNameOf } from '../shared/errors.js';\nexport const e = errorNameOf;\n"],
  ])('%s: an import along the direction passes', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });

  it('the tree itself keeps the direction', async () => {
    const results = await eslint.lintFiles(['functions', 'template', 'tools', 'local', 'bench']);
    const broken = results.flatMap((result) => result.messages.filter((message) => message.ruleId === 'layers/one-way').map((message) => `${result.filePath}: ${message.message}`));
    expect(broken).toEqual([]);
  });
});
