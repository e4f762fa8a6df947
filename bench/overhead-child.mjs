/**
 * One measured execution environment for bench/overhead.ts: imports a function bundle (its init),
 * warms it up, then reports the CPU time (user + system) of `iterations` invocations in a row.
 * Plain JavaScript, run by node without a loader, so nothing but the handler and Node is measured.
 * Protocol (IPC): ← {bundle, kind, iterations, warmup, event}; → {cpuMicros, wallMs, units}.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const context = (deadlineMs) => ({
  awsRequestId: randomUUID(),
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
});

/** A fresh copy of the event whose SQS messageIds are new, so the idempotency step runs every time. */
function fresh(event) {
  if (!Array.isArray(event.Records)) return event;
  return { Records: event.Records.map((record) => ({ ...record, messageId: randomUUID() })) };
}

process.once('message', async ({ bundle, iterations, warmup, event }) => {
  const { handler } = await import(pathToFileURL(bundle).href);
  const units = Array.isArray(event.Records) ? event.Records.length : 1;
  const invoke = async () => {
    const result = await handler(fresh(event), context(Date.now() + 10_000));
    const failures = result?.batchItemFailures;
    if (Array.isArray(failures) && failures.length > 0) throw new Error(`${failures.length} records failed`);
  };
  for (let i = 0; i < warmup; i += 1) await invoke();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) await invoke();
  const used = process.cpuUsage(cpu);
  process.send({ cpuMicros: used.user + used.system, wallMs: performance.now() - started, units: units * iterations }, () => process.exit(0));
});
