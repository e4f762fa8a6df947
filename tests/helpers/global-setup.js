/**
 * Starts one moto server for the whole suite and hands its endpoint to the test files through
 * MOTO_ENDPOINT. Where CI (or a user) already runs one, MOTO_ENDPOINT is set and used as it is.
 * Jest loads global setup outside its transform, so the TypeScript launcher comes in through tsx.
 */
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  if (process.env.MOTO_ENDPOINT) return;
  const { startMoto } = await tsImport('../../local/stack/moto.ts', import.meta.url);
  const moto = await startMoto();
  globalThis.__MOTO__ = moto;
  process.env.MOTO_ENDPOINT = moto.endpoint;
}
