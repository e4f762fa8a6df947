/**
 * One Lambda execution environment: a worker thread that imports the function's handler module once
 * (the init phase) and then serves one invocation at a time, so module-scope caches live as long as
 * the environment, as in Lambda. Plain JavaScript so it runs without a TypeScript loader; a `.ts`
 * handler (the fallback when no bundle exists) is imported through tsx.
 *
 * Protocol with local/stack/lambda/runtime.ts:
 *   → {type: 'invoke', id, event, context: {awsRequestId, deadlineMs, ...}}
 *   ← {type: 'ready'} | {type: 'init-error', error} once, then {type: 'result', id, result} | {type: 'error', id, error}
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

/** Lambda's error shape for a thrown value: errorType is the error's `name`. */
function toLambdaError(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

async function importHandler({ handlerPath, handlerExport }) {
  const url = pathToFileURL(handlerPath).href;
  const module = handlerPath.endsWith('.ts')
    ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url)
    : await import(url);
  const handler = module[handlerExport] ?? module.default?.[handlerExport];
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerPath} does not export ${handlerExport}`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
}

function lambdaContext(fields) {
  const { deadlineMs, ...rest } = fields;
  return {
    ...rest,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let handler;
try {
  handler = await importHandler(workerData);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: toLambdaError(error) });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke' || handler === undefined) return;
  try {
    const result = await handler(message.event, lambdaContext(message.context));
    // A Lambda result travels as JSON: undefined becomes null, class instances plain objects.
    parentPort.postMessage({ type: 'result', id: message.id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id: message.id, error: toLambdaError(error) });
  }
});
