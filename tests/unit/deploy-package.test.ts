/** `sam package` as the deploy check does it: deterministic zips named by their MD5, and the template pointed at them. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate } from '../../template/index.js';
import { MissingBuildError, packageTemplate } from '../../local/deploy-check/package.js';
import { artifactKey, codeSha256, zipFolder } from '../../local/deploy-check/zip.js';

const root = mkdtempSync(join(tmpdir(), 'deploy-package-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeBuild(dir: string): void {
  for (const logicalId of ['DispatcherFunction', 'ProcessorFunction']) {
    mkdirSync(join(dir, logicalId, 'nested'), { recursive: true });
    writeFileSync(join(dir, logicalId, 'handler.mjs'), `export const handler = async () => '${logicalId}';\n`);
    writeFileSync(join(dir, logicalId, 'nested', 'data.json'), '{"ok":true}');
  }
}

describe('zipFolder', () => {
  it('gives the same bytes for the same files, so the MD5 key and CodeSha256 are known before the upload', () => {
    const dir = join(root, 'same');
    fakeBuild(dir);
    const first = zipFolder(join(dir, 'ProcessorFunction'));
    const second = zipFolder(join(dir, 'ProcessorFunction'));
    expect(first.equals(second)).toBe(true);
    expect(artifactKey(first)).toMatch(/^[0-9a-f]{32}$/);
    expect(codeSha256(first)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('writes a zip another reader (Python zipfile) takes, with every file, readable by all', () => {
    const dir = join(root, 'read');
    fakeBuild(dir);
    const path = join(root, 'read.zip');
    writeFileSync(path, zipFolder(join(dir, 'DispatcherFunction')));
    const listing = execFileSync('python3', [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(f"{i.filename} {oct(i.external_attr >> 16)} {z.read(i).decode()!r}" for i in z.infolist()))',
      path,
    ]).toString();
    expect(listing).toContain("handler.mjs 0o100644 \"export const handler = async () => 'DispatcherFunction';\\n\"");
    expect(listing).toContain('nested/data.json 0o100644');
  });
});

describe('packageTemplate', () => {
  const template = loadTemplate();

  it('points each function and the state machine at its artifact in the bucket, as sam package writes them', () => {
    const dir = join(root, 'package');
    fakeBuild(dir);
    const { template: packaged, artifacts } = packageTemplate(template, 'artifact-bucket', dir);
    const processor = artifacts.find((artifact) => artifact.logicalId === 'ProcessorFunction')!;
    expect(packaged.Resources.ProcessorFunction?.Properties?.CodeUri).toBe(`s3://artifact-bucket/${processor.key}`);
    expect(packaged.Resources.ProcessorFunction?.Metadata).toBeUndefined();
    const definition = artifacts.find((artifact) => artifact.logicalId === 'ProcessEventStateMachine')!;
    expect(packaged.Resources.ProcessEventStateMachine?.Properties?.DefinitionUri).toBe(`s3://artifact-bucket/${definition.key}`);
    // The template read from disk is untouched: the deploy check never changes what it compares against.
    expect(template.Resources.ProcessorFunction?.Properties?.CodeUri).toBe('.');
  });

  it('refuses to package a function the build has not made', () => {
    expect(() => packageTemplate(template, 'artifact-bucket', join(root, 'nothing-built'))).toThrow(MissingBuildError);
    expect(() => packageTemplate(template, 'artifact-bucket', join(root, 'nothing-built'))).toThrow(/run npm run build first/);
  });
});
