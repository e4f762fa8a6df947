/** Stops the moto server global-setup started, if it started one. */
export default async function globalTeardown() {
  await globalThis.__MOTO__?.stop();
}
