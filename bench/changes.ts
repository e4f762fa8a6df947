/**
 * The performance changes made from the bench's figures, each with its before/after measured in the
 * same bench run: the "before" is a variant the bench still builds or runs beside the change.
 */
import type { BundleFigures } from './cold-start.js';
import { round } from './stats.js';

/** One change and its measured effect. */
export interface Change {
  change: string;
  figure: string;
  before: string;
  after: string;
  ratio: string;
}

/** The changes, measured from this run's cold-start variants. */
export function changes(bundles: readonly BundleFigures[]): Change[] {
  const find = (variant: string, fn: string): BundleFigures | undefined => bundles.find((b) => b.variant === variant && b.function === fn);
  const rows: Change[] = [];
  for (const fn of ['DispatcherFunction', 'ProcessorFunction']) {
    const before = find('main-fields-default', fn);
    const after = find('template', fn);
    if (before === undefined || after === undefined) continue;
    rows.push(
      {
        change: '`MainFields: module,main` in both BuildProperties (scripts/build.ts passes it as SAM does)',
        figure: `${fn} bundle KB`,
        before: String(round(before.bytes / 1024, 1)),
        after: String(round(after.bytes / 1024, 1)),
        ratio: `${round(after.bytes / before.bytes, 2)}×`,
      },
      {
        change: '〃',
        figure: `${fn} import / bare node`,
        before: `${round(before.importRatio, 2)}×`,
        after: `${round(after.importRatio, 2)}×`,
        ratio: `${round(after.importRatio / before.importRatio, 2)}×`,
      },
    );
    const bundled = find('credential-providers-bundled', fn);
    if (bundled === undefined) continue;
    rows.push(
      {
        change: '`External`: the credential providers the SDK imports lazily and Lambda never reaches (credentials come in env vars)',
        figure: `${fn} bundle KB`,
        before: String(round(bundled.bytes / 1024, 1)),
        after: String(round(after.bytes / 1024, 1)),
        ratio: `${round(after.bytes / bundled.bytes, 2)}×`,
      },
      {
        change: '〃',
        figure: `${fn} import / bare node`,
        before: `${round(bundled.importRatio, 2)}×`,
        after: `${round(after.importRatio, 2)}×`,
        ratio: `${round(after.importRatio / bundled.importRatio, 2)}×`,
      },
    );
  }
  return rows;
}
