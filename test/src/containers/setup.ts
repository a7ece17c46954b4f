/**
 * Mocha global fixture of `npm run test:containers`: the network and gateway as containers
 * before any test, removed after the last. Loaded with --require, before the spec files, so the
 * behaviour suite's Fabric backend already reads the containers' connection file.
 */
import './env.js';
import { ContainerNetwork } from './network.js';

let started: Promise<ContainerNetwork> | undefined;

/** The running network (started once by the global setup). */
export function containerNetwork(): Promise<ContainerNetwork> {
  if (!started) throw new Error('the container network was not started (run through npm run test:containers)');
  return started;
}

export async function mochaGlobalSetup(): Promise<void> {
  started = ContainerNetwork.start();
  await started;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!started) return;
  const net = await started.catch(() => undefined);
  if (net && process.env.TENDER_CONTAINERS_KEEP !== '1') await net.stop();
}
