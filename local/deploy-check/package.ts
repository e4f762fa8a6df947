/**
 * `sam package` over the bundles `npm run build` made: each function's build folder zipped and named by its
 * MD5 in the artifact bucket, the state machine's definition file likewise, and the template rewritten to
 * point at them, without the YAML aliases CloudFormation would refuse.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_OUT_DIR } from '../../tools/build.js';
import { PROJECT_ROOT, functionBuilds, type Template } from '../../template/index.js';
import { artifactKey, codeSha256, hasFiles, zipFolder } from './zip.js';

/** One uploaded artifact. */
export interface Artifact {
  logicalId: string;
  key: string;
  bytes: Buffer;
  /** For a function: the CodeSha256 Lambda reports for this package. */
  codeSha256: string;
}

/** A packaged template and what it needs uploaded. */
export interface PackagedTemplate {
  template: Template;
  artifacts: Artifact[];
}

/** Raised when `npm run build` has not made a function's bundle: the check deploys what the build made, nothing else. */
export class MissingBuildError extends Error {
  override readonly name = 'MissingBuildError';
}

/** The template `sam package` would write for `bucket`: CodeUri and DefinitionUri as s3:// URIs of the uploaded artifacts. */
export function packageTemplate(template: Template, bucket: string, buildDir: string = DEFAULT_OUT_DIR): PackagedTemplate {
  // A JSON round trip writes the aliased lists out in full, as sam package's own YAML dump does.
  const packaged = JSON.parse(JSON.stringify(template)) as Template;
  const artifacts: Artifact[] = [];
  for (const fn of functionBuilds(template)) {
    const folder = resolve(buildDir, fn.logicalId);
    if (!hasFiles(folder)) throw new MissingBuildError(`${fn.logicalId} has no build in ${folder}: run npm run build first`);
    const bytes = zipFolder(folder);
    const key = artifactKey(bytes);
    artifacts.push({ logicalId: fn.logicalId, key, bytes, codeSha256: codeSha256(bytes) });
    const resource = packaged.Resources[fn.logicalId]!;
    resource.Properties = { ...resource.Properties, CodeUri: `s3://${bucket}/${key}` };
    // sam build replaces the esbuild Metadata with the built folder; the deployed template carries neither.
    delete resource.Metadata;
  }
  for (const [logicalId, resource] of Object.entries(packaged.Resources)) {
    const uri = resource.Properties?.DefinitionUri;
    if (resource.Type !== 'AWS::Serverless::StateMachine' || typeof uri !== 'string') continue;
    const bytes = readFileSync(resolve(PROJECT_ROOT, uri));
    const key = artifactKey(bytes);
    artifacts.push({ logicalId, key, bytes, codeSha256: codeSha256(bytes) });
    resource.Properties = { ...resource.Properties, DefinitionUri: `s3://${bucket}/${key}` };
  }
  return { template: packaged, artifacts };
}
