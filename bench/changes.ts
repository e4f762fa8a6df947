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

/** The import-ratio row of one change to one function. */
function importRow(change: string, fn: string, before: BundleFigures, after: BundleFigures): Change {
  return {
    change,
    figure: `${fn} import / bare node`,
    before: `${round(before.importRatio, 2)}×`,
    after: `${round(after.importRatio, 2)}×`,
    ratio: `${round(after.importRatio / before.importRatio, 2)}×`,
  };
}

/** Two rows, bundle size and import ratio, for one change to one function's build. */
function bundleRows(change: string, fn: string, before: BundleFigures, after: BundleFigures): Change[] {
  return [
    {
      change,
      figure: `${fn} bundle KB`,
      before: String(round(before.bytes / 1024, 1)),
      after: String(round(after.bytes / 1024, 1)),
      ratio: `${round(after.bytes / before.bytes, 2)}×`,
    },
    importRow('〃', fn, before, after),
  ];
}

/** Each build change, against the variant that leaves just that change out. */
const BUILD_CHANGES: readonly { withoutIt: string; change: string }[] = [
  { withoutIt: 'main-fields-default', change: '`MainFields: module,main` in both BuildProperties (tools/build.ts passes it as SAM does)' },
  {
    withoutIt: 'credential-providers-bundled',
    change: '`External`: the credential providers the SDK imports lazily and Lambda never reaches (credentials come in env vars)',
  },
];

/** Changes to how the function starts, not to what is built: only the import ratio moves. */
const START_CHANGES: readonly { withoutIt: string; change: string }[] = [
  {
    withoutIt: 'source-maps-enabled',
    change: 'No `NODE_OPTIONS=--enable-source-maps` in template.yaml (`npm run stack` maps a logged trace offline)',
  },
];

/** The changes, measured from this run's cold-start variants. */
export function changes(bundles: readonly BundleFigures[]): Change[] {
  const find = (variant: string, fn: string): BundleFigures | undefined => bundles.find((b) => b.variant === variant && b.function === fn);
  return ['DispatcherFunction', 'ProcessorFunction'].flatMap((fn) => {
    const after = find('template', fn);
    if (after === undefined) return [];
    const buildRows = BUILD_CHANGES.flatMap(({ withoutIt, change }) => {
      const before = find(withoutIt, fn);
      return before === undefined ? [] : bundleRows(change, fn, before, after);
    });
    const startRows = START_CHANGES.flatMap(({ withoutIt, change }) => {
      const before = find(withoutIt, fn);
      return before === undefined ? [] : [importRow(change, fn, before, after)];
    });
    return [...buildRows, ...startRows];
  });
}
