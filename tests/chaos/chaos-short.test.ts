/**
 * The short form of `npm run chaos` in `npm test`: a few scenarios with small loads, every invariant
 * checked. Counts only: the runner's verdicts never depend on how fast this machine is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, type ScenarioResult } from '../../local/harness/chaos/runner.js';
import { chaosLine } from '../../local/harness/chaos/report.js';
import { SCENARIOS, SHORT_SCENARIOS } from '../../local/harness/chaos/scenarios.js';

describe('fault suite, short form', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'chaos-short-'));
  const results: ScenarioResult[] = [];
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(SHORT_SCENARIOS)('%s: every invariant holds', async (name) => {
    const scenario = SCENARIOS.find((candidate) => candidate.name === name)!;
    const small = { ...scenario, load: { ...scenario.load, events: Math.min(scenario.load.events, 40), conversations: Math.min(scenario.load.conversations, 6) } };
    const result = await runScenario(small, {
      motoEndpoint: process.env.MOTO_ENDPOINT as string,
      logDir: join(scratch, 'logs'),
      buildDir: join(scratch, 'build'),
    });
    results.push(result);

    expect(result.violations).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.in).toBeGreaterThan(0);
  }, 600_000);

  it('reports the last line', () => {
    expect(chaosLine(results)).toBe(`chaos: scenarios=${SHORT_SCENARIOS.length} passed=${SHORT_SCENARIOS.length} lost=0`);
  });
});
