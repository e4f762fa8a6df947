/** The goodput bench's pure parts (bench/goodput.ts): the rate over whole windows, and the baseline's ASL. */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { baselineDefinition, windowedRate } from '../../bench/goodput.js';

describe('windowedRate', () => {
  it('counts the writes of whole windows from the first one, not a burst at the end of the stretch', () => {
    const writes = [0, 100, 200, 900, 1_000, 1_100, 1_950, 1_960, 1_970, 1_980];

    expect(windowedRate(writes, 1_000)).toEqual({ perSecond: 4, windows: 1 });
  });

  it('answers 0 for fewer than two writes, and the plain rate for a stretch shorter than a window', () => {
    expect(windowedRate([5], 1_000)).toEqual({ perSecond: 0, windows: 0 });
    expect(windowedRate([0, 250, 500], 1_000)).toEqual({ perSecond: 4, windows: 0 });
  });
});

describe('baselineDefinition', () => {
  it('turns every retrier, in parallel branches too, into fixed retries without jitter, leaving the input as it was', () => {
    const retrier = { ErrorEquals: ['Genesys.Throttled'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL', MaxDelaySeconds: 30 };
    const definition = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', End: true, Branches: [{ StartAt: 'Write', States: { Write: { Type: 'Task', End: true, Retry: [retrier] } } }] },
      },
    } as unknown as StateMachineDefinition;
    const before = structuredClone(definition);

    const baseline = baselineDefinition('ProcessEventStateMachine', definition) as unknown as {
      States: { 'Fan out': { Branches: { States: { Write: { Retry: unknown[] } } }[] } };
    };

    expect(baseline.States['Fan out'].Branches[0]?.States.Write.Retry).toEqual([{ ErrorEquals: ['Genesys.Throttled'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 1 }]);
    expect(definition).toEqual(before);
  });
});
