import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { FabricBackend, type Caller, type FabricConnection } from '@tender-ledger/gateway';
import { FABRIC_CONNECTION } from '../helpers/backends.js';

const NETWORK = path.resolve(__dirname, '../../../network/network.sh');
const ISSUER = 'https://id.province.example';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function network(...args: string[]): Promise<void> {
  await promisify(execFile)('bash', [NETWORK, ...args], { timeout: 180_000 });
}

/** One centre's gateway, signing through its own organisation's peer (as in province.test.ts). */
function centreGateway(connection: FabricConnection, mspId: string): Promise<FabricBackend> {
  return FabricBackend.open({
    connection, platformIdentities: { [`${ISSUER}::platform`]: 'User1' },
    platformMspId: mspId, regulatorMspId: 'RegulatorMSP', regulatorIdentity: 'User1', publicIdentity: 'User2', bidderIdentity: 'User2',
  });
}

describe('The province network with one city\'s peer down', function () {
  this.timeout(300_000);
  const platform: Caller = { role: 'platform', issuer: ISSUER, sub: 'platform' };
  const notarise = (backend: FabricBackend) =>
    backend.submit(platform, 'notary:notariseDocument', [JSON.stringify({ sha256: sha(`peer down ${randomUUID()}`), kind: 'peer-down-test' })]);

  it('lets the other cities trade, refuses that city\'s writes as unavailable (503), and recovers without a restart', async () => {
    const connection = JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection;
    const [cityA, cityB] = await Promise.all([centreGateway(connection, 'TradingCentreMSP'), centreGateway(connection, 'City2MSP')]);
    try {
      await notarise(cityB);
      await network('stop-node', 'peer-c2');
      try {
        const traded = await notarise(cityA);
        expect(traded.txId).to.be.a('string');
        const refused = await notarise(cityB).then(() => undefined, (error: Error) => error);
        expect(refused?.name).to.equal('LedgerUnavailableError');
      } finally {
        await network('start-node', 'peer-c2');
      }
      // Bounded: the gateway's gRPC connection comes back on its own, without a restart.
      let recovered: Error | undefined = new Error('not tried');
      for (const until = Date.now() + 90_000; recovered !== undefined && Date.now() < until;) {
        recovered = await notarise(cityB).then(() => undefined, (error: Error) => error);
        if (recovered !== undefined) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(recovered?.message).to.equal(undefined);
    } finally {
      await Promise.all([cityA.close(), cityB.close()]);
    }
  });
});
