import path from 'node:path';
import { logPolicy } from '@tender-ledger/client-sdk';
import { loadOrCreateLogKey } from '@tender-ledger/gateway';
import { SIG_COSIGNATURE_V1, SIG_ED25519, formatVerifierKey, type Ed25519Signer } from '@tender-ledger/tlog';
import { loadOrCreateWitnessKey } from '@tender-ledger/witness';
import { startTestGateway, type TestGateway } from './gateway.js';
import { freePort } from './ports.js';

/** One organisation's gateway on a Fabric network, with the keys the others name it by. */
export interface WitnessingOrg {
  readonly name: string;
  readonly origin: string;
  readonly logVkey: string;
  readonly logSigner: Ed25519Signer;
  readonly witnessVkey: string;
  readonly gateway: TestGateway;
}

/**
 * Starts one gateway per organisation on the Fabric network, each building the transparency log
 * from its own organisation's peer and witnessing every other's log (`TLOG_WITNESS_FOR`), each
 * listing every other as a witness that must cosign (`WITNESSES`, quorum all). Keys and ports
 * come first: each configuration names the others'.
 */
export async function startWitnessingGateways(
  dir: string,
  orgs: readonly { name: string; origin: string; env: Record<string, string> }[],
): Promise<WitnessingOrg[]> {
  const prepared = [];
  for (const org of orgs) {
    const dataDir = path.join(dir, org.name);
    const logKey = await loadOrCreateLogKey(dataDir, org.origin);
    const witnessKey = await loadOrCreateWitnessKey(path.join(dataDir, 'keys', 'witness'), `${org.origin}/witness`);
    prepared.push({
      ...org,
      dataDir,
      port: await freePort(),
      logSigner: logKey.signer,
      logVkey: formatVerifierKey(org.origin, SIG_ED25519, logKey.signer.publicKey),
      witnessVkey: formatVerifierKey(`${org.origin}/witness`, SIG_COSIGNATURE_V1, witnessKey.signer.publicKey),
    });
  }
  const started: WitnessingOrg[] = [];
  try {
    for (const self of prepared) {
      const others = prepared.filter((o) => o !== self);
      const gateway = await startTestGateway(
        {
          ...self.env,
          DATA_DIR: self.dataDir,
          PORT: String(self.port),
          LOG_ORIGIN: self.origin,
          FABRIC_TLOG: 'true',
          WITNESSES: JSON.stringify(others.map((o) => ({ url: `http://127.0.0.1:${o.port}/witness`, vkey: o.witnessVkey }))),
          TLOG_WITNESS_FOR: JSON.stringify(others.map((o) => o.logVkey)),
        },
        'fabric',
      );
      started.push({
        name: self.name,
        origin: self.origin,
        logVkey: self.logVkey,
        logSigner: self.logSigner,
        witnessVkey: self.witnessVkey,
        gateway,
      });
    }
  } catch (error) {
    for (const org of started) await org.gateway.close();
    throw error;
  }
  return started;
}

/** The policy a reader of `org`'s proofs trusts: its log key, every other organisation as a witness, all of them required. */
export function policyOf(org: WitnessingOrg, all: readonly WitnessingOrg[]): string {
  const witnesses = all.filter((o) => o !== org).map((o) => o.witnessVkey);
  return logPolicy({ log: org.logVkey, witnesses, threshold: witnesses.length });
}

/** Polls `check` every 200 ms until it gives a value, for at most `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A record's proof bundle from `gateway`, once a checkpoint its witnesses cosigned covers it. */
export function proofOf(gateway: TestGateway, recordId: string): Promise<string> {
  return eventually(`the proof of ${recordId} from ${gateway.url}`, async () => {
    const res = await fetch(`${gateway.url}/v1/records/${recordId}/proof`);
    return res.status === 200 ? res.text() : undefined;
  });
}
