/**
 * The bundles `sam build` makes (tools/build.ts applies template.yaml's BuildProperties). Packages
 * left External must only ever be imported lazily: a static import of one would fail at init
 * wherever the package is not installed, and would put its load back on the cold start.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctions, type BuiltFunction } from '../../tools/build.js';
import { getProperties, loadTemplate, resourcesOfType } from '../../template/index.js';

const template = loadTemplate();
const outDir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
let built: BuiltFunction[] = [];

beforeAll(async () => {
  built = await buildFunctions({ template, outDir });
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const externals = (logicalId: string): string[] => {
  const metadata = (template.Resources[logicalId] as { Metadata?: { BuildProperties?: { External?: string[] } } }).Metadata;
  return metadata?.BuildProperties?.External ?? [];
};

describe('function bundles', () => {
  const functions = resourcesOfType(template, 'AWS::Serverless::Function');

  it('builds every function of the template', () => {
    expect(built.map((fn) => fn.logicalId).sort()).toEqual([...functions].sort());
    for (const fn of functions) expect(getProperties(template, fn).Handler).toBe('handler.handler');
  });

  it.each(functions)('%s imports its external packages only lazily', (logicalId) => {
    const bundle = readFileSync(built.find((fn) => fn.logicalId === logicalId)?.outFile ?? '', 'utf8');
    for (const name of externals(logicalId)) {
      const quoted = JSON.stringify(name);
      expect(bundle).not.toMatch(new RegExp(`from\\s*${quoted.replace(/[/]/g, '\\/')}`));
      expect(bundle).toContain(`import(${quoted})`);
    }
  });
});
