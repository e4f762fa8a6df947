/**
 * `npm run chaos`: every fault scenario through the local stack, a table of what became of the events,
 * and a last line `chaos: scenarios=N passed=N lost=N`. Exits non-zero when any invariant fails.
 * `npm run chaos -- --help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ActionsError, readActions } from '../../../tools/actions/index.js';
import { runMain } from '../../../tools/cli.js';
import { MotoUnavailableError, startMoto } from '../../stack/moto.js';
import { chaosLine, formatTable } from './report.js';
import { DEFAULT_SCALE, runScenario, type ChaosScale, type ScenarioResult } from './runner.js';
import { SCENARIOS } from './scenarios.js';

const HELP = `Usage: npm run chaos -- [options]

Runs each fault scenario through the local stack (moto, Step Functions endpoint, Lambda runtime,
Genesys simulator, a fault proxy in front of moto) and checks the invariants after each.

  --only NAME[,NAME]   run these scenarios only (names as in the table)
  --time-scale X       Lambda and workflow durations X times faster (default ${DEFAULT_SCALE.timeScale})
  --sqs-scale X        visibility timeout and redelivery backoff X times faster (default ${DEFAULT_SCALE.sqsScale})
  --actions FILE       run another actions file than actions.yaml (docs/actions.md)
  --json FILE          also write the results as JSON
  -h, --help           this text
`;

function number(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value >= 1)) throw new RangeError(`--${name} must be a number ≥ 1, got ${raw}`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'time-scale': { type: 'string' },
      'sqs-scale': { type: 'string' },
      json: { type: 'string' },
      actions: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const scale: ChaosScale = {
    timeScale: number(values['time-scale'], DEFAULT_SCALE.timeScale, 'time-scale'),
    sqsScale: number(values['sqs-scale'], DEFAULT_SCALE.sqsScale, 'sqs-scale'),
  };
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) throw new RangeError(`no scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = only === undefined ? SCENARIOS : SCENARIOS.filter((scenario) => only.includes(scenario.name));
  const actions = values.actions === undefined ? undefined : readActions(resolve(values.actions));

  const started = new Date();
  console.log(`chaos: ${selected.length} scenarios, ${actions?.file ?? 'actions.yaml'}, time scale ×${scale.timeScale}, SQS scale ×${scale.sqsScale}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}) on ${hostname()}`);
  const moto = await startMoto();
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) {
      process.stderr.write(`  ${scenario.name}: ${scenario.proves}\n`);
      let result: ScenarioResult;
      try {
        result = await runScenario(scenario, { motoEndpoint: moto.endpoint, scale, ...(actions === undefined ? {} : { actions }) });
      } catch (error) {
        console.error(`  ${scenario.name} did not run to the end: ${(error as Error).stack ?? String(error)}`);
        result = {
          name: scenario.name, in: 0, applied: 0, parked: 0, parkedByReason: {}, lost: 0, duplicatesApplied: 0, genesysRequests: 0,
          requestsPerApplied: 0, throttled: 0, tokenRequests: 0, drainMs: 0, violations: [`did not run: ${(error as Error).message}`],
          summary: undefined as never,
        };
      }
      results.push(result);
      for (const violation of result.violations) process.stderr.write(`    FAIL ${violation}\n`);
      process.stderr.write(`${formatTable([result]).split('\n')[2]}\n`);
    }
  } finally {
    await moto.stop();
  }
  console.log(`\n${formatTable(results)}\n`);
  console.log(`run ${started.toISOString()} → ${new Date().toISOString()}`);
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify({ started, scale, results: results.map(({ summary: _summary, ...row }) => row) }, null, 2)}\n`);
  }
  console.log(chaosLine(results));
  return results.every((result) => result.violations.length === 0) ? 0 : 1;
}

void runMain(main, { command: 'npm run chaos', userErrors: [MotoUnavailableError, ActionsError], userErrorStatus: 2 });
