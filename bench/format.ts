/** How the bench's outputs write figures: KB, percentages, a target's verdict, Markdown tables. */
import type { BundleFigures } from './cold-start.js';
import { round } from './stats.js';

/** Bytes as KB with one decimal. */
export const kb = (bytes: number): number => round(bytes / 1024, 1);
/** A share as a percentage with one decimal. */
export const pct = (share: number): string => `${round(share * 100, 1)} %`;
/** Whether a figure meets its target, as the table says it. */
export const ok = (pass: boolean): string => (pass ? 'met' : 'NOT met');

/** A Markdown table. */
export function table(headers: string[], body: (string | number)[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The plain reference's figures for a function, measured in the same rounds. */
export function referenceOf(bundles: readonly BundleFigures[], fn: string): BundleFigures | undefined {
  return bundles.find((b) => b.variant === 'plain-reference' && b.function === fn);
}
