/** The Serverless transform over a packaged template, by AWS's own translator (aws-sam-translator, in Python: ./translate.py). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Template } from '../../template/index.js';

/** Raised when the translator is missing or refuses the template: its own message, not a Python trace. */
export class TranslateError extends Error {
  override readonly name = 'TranslateError';
}

const SCRIPT = fileURLToPath(new URL('./translate.py', import.meta.url));

/** The CloudFormation template CloudFormation's Serverless transform makes of `packaged` for these parameter values. */
export function translateTemplate(packaged: Template, parameters: Record<string, string>, region: string, python = process.env.PYTHON ?? 'python3'): Template {
  const result = spawnSync(python, [SCRIPT], {
    input: JSON.stringify({ template: packaged, parameters, region }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined) throw new TranslateError(`cannot run ${python}: ${result.error.message}`);
  if (result.status !== 0) {
    const reason = result.stderr.trim().split('\n').pop() ?? '';
    const missing = /No module named 'samtranslator'/.test(result.stderr) ? ' (install it with: pip install aws-sam-translator)' : '';
    throw new TranslateError(`the SAM translator refused the template: ${reason}${missing}`);
  }
  return JSON.parse(result.stdout) as Template;
}
