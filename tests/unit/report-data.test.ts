import { bucketSecondsFor, figuresOf, latencyBins, reportData, thin } from '../../local/harness/report/data.js';
import { renderReport } from '../../local/harness/report/html.js';
import { niceTicks } from '../../local/harness/report/svg.js';
import { emptyRunSeries, type RunSummary } from '../../local/harness/run.js';

const summary: RunSummary = {
  in: 10,
  applied: 7,
  notActedOn: 1,
  filteredByRule: 1,
  filteredByDetailType: { 'v2.detail.events.conversation.{id}.flow.start': 1 },
  byAction: { 'customer-start': { applied: 4, writes: 4 }, acw: { applied: 3, writes: 3 } },
  parked: 2,
  parkedByReason: { InvalidEvent: 1, 'Genesys.Forbidden': 1 },
  parkedEvents: [
    { index: 4, detailType: 'v2.detail.events.conversation.{id}.acw', errorName: 'Genesys.Forbidden', errorMessage: 'Genesys answered 403', expected: false },
    { index: 2, detailType: 'v2.detail.events.conversation.{id}.customer.start', errorName: 'InvalidEvent', errorMessage: 'body is not JSON', expected: true },
  ],
  lost: 0,
  duplicates: 1,
  repeatedEvents: 1,
  genesysRequests: 9,
  genesysRequestsByStatus: { '202': 7, '429': 1, '503': 1 },
  tokenRequests: 1,
  throttled: 1,
  workflowRetries: 1,
  redeliveries: 0,
  durationMs: 4_000,
  throughputPerSecond: 2,
  latencyMs: { p50: 100, p95: 300, p99: 300, max: 300, samples: 7 },
  peakInFlightWorkflows: 3,
  validParked: 1,
  malformedNotParked: 0,
  state: { participants: 3, matches: true, mismatches: [] },
  drained: true,
};

function series() {
  const start = 1_700_000_000_000;
  return {
    ...emptyRunSeries(),
    startedAt: start,
    endedAt: start + 4_000,
    latenciesMs: [100, 100, 120, 150, 200, 300, 300],
    writes: [500, 600, 1_500, 2_500, 2_600, 2_700, 3_900].map((ms) => start + ms),
    genesysRequests: [
      { time: start + 100, status: 200, token: true },
      { time: start + 400, status: 429, token: false },
      { time: start + 900, status: 503, token: false },
      ...[500, 600, 1_500, 2_500, 2_600, 2_700, 3_900].map((ms) => ({ time: start + ms, status: 202, token: false })),
    ],
    samples: [0, 1_000, 2_000, 3_000].map((ms) => ({ time: start + ms, visible: 5, inFlight: 2, delayed: 0, parked: 1, workflows: 2 })),
  };
}

describe('run report data', () => {
  it('buckets writes per second so that the buckets add up to every write', () => {
    const data = reportData({ summary, series: series() });
    expect(data.bucketSeconds).toBe(1);
    expect(data.appliedPerSecond).toEqual([2, 1, 3, 1]);
    expect(data.appliedPerSecond.reduce((sum, n) => sum + n * data.bucketSeconds, 0)).toBe(7);
  });

  it('splits Genesys requests by status, token requests apart and last', () => {
    const data = reportData({ summary, series: series() });
    expect(data.requestsByStatus.map((layer) => layer.status)).toEqual(['202', '429', '503', 'token requests']);
    expect(data.requestsByStatus.find((layer) => layer.status === '202')?.values).toEqual([2, 1, 3, 1]);
  });

  it('orders parked reasons by count and shows every summary figure', () => {
    const data = reportData({ summary, series: series() });
    expect(data.parkedByReason).toHaveLength(2);
    expect(figuresOf(summary).find((figure) => figure.key === 'lost')).toMatchObject({ value: 0, text: '0', tone: 'good' });
    expect(figuresOf(summary).find((figure) => figure.key === 'throughputPerSecond')).toMatchObject({ text: '2.0' });
  });

  it.each([
    [30_000, 1],
    [60_000, 1],
    [61_000, 2],
    [600_000, 10],
  ])('uses %i ms runs in buckets of %i s', (durationMs, seconds) => {
    expect(bucketSecondsFor(durationMs)).toBe(seconds);
  });

  it('bins latencies so that every sample lands in one bin', () => {
    const bins = latencyBins([0, 5, 99, 100, 250], 5);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(5);
    expect(bins[0]?.from).toBe(0);
    expect(latencyBins([])).toEqual([]);
  });

  it('thins long sample lists and keeps the last sample', () => {
    const thinned = thin([...Array(1000).keys()], 100);
    expect(thinned.length).toBeLessThanOrEqual(101);
    expect(thinned.at(-1)).toBe(999);
  });

  it.each([
    [7, [0, 2, 4, 6, 8]],
    [100, [0, 20, 40, 60, 80, 100]],
    [0, [0, 1]],
  ])('ticks an axis up to %i at round values', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });

  it('lists each parked event with the errorName and message of its DLQ copy, the one the run did not mean to park marked', () => {
    const html = renderReport(reportData({ summary, series: series() }), summary);
    expect(html).toContain('<li data-parked-event="4">event 5 v2.detail.events.conversation.{id}.acw <strong>(not by design)</strong>: Genesys.Forbidden: Genesys answered 403</li>');
    expect(html).toContain('<li data-parked-event="2">event 3 v2.detail.events.conversation.{id}.customer.start: InvalidEvent: body is not JSON</li>');
  });

  it('escapes what it shows from the run', () => {
    const hostile = { ...summary, parkedByReason: { '<script>x</script>': 1 }, parkedEvents: [{ index: 0, detailType: '<img src=x>', errorName: 'InvalidEvent', errorMessage: '<script>y</script>', expected: true }] };
    const html = renderReport(reportData({ summary: hostile, series: series(), title: 'a & b' }), summary);
    expect(html).not.toContain('<script>x</script>');
    expect(html).not.toContain('<script>y</script>');
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain('a &amp; b');
  });
});
