import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FabricBackend } from '@tender-ledger/gateway';
import { instanceOf } from '../helpers/assert.js';
import { centreGateway, network, platform, readConnection, sha } from '../helpers/province.js';

describe("The province network with one city's peer down", function () {
  this.timeout(300_000);
  const notarise = (backend: FabricBackend) =>
    backend.submit(platform, 'notary:notariseDocument', [
      JSON.stringify({ sha256: sha(`peer down ${randomUUID()}`), kind: 'peer-down-test' }),
    ]);

  it("lets the other cities trade, refuses that city's writes as unavailable (503), and recovers without a restart", async () => {
    const connection = readConnection();
    const [cityA, cityB] = await Promise.all([centreGateway(connection, 'TradingCentreMSP'), centreGateway(connection, 'City2MSP')]);
    try {
      await notarise(cityB);
      await network(['stop-node', 'peer-c2']);
      try {
        const traded = await notarise(cityA);
        expect(traded.txId).to.be.a('string');
        const refused = await notarise(cityB).then(
          () => undefined,
          (error: unknown) => instanceOf(error, Error),
        );
        expect(refused?.name).to.equal('LedgerUnavailableError');
      } finally {
        await network(['start-node', 'peer-c2']);
      }
      // Bounded: the gateway's gRPC connection comes back on its own, without a restart.
      let recovered: Error | undefined = new Error('not tried');
      for (const until = Date.now() + 90_000; recovered !== undefined && Date.now() < until;) {
        recovered = await notarise(cityB).then(
          () => undefined,
          (error: unknown) => instanceOf(error, Error),
        );
        if (recovered !== undefined) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(recovered?.message).to.equal(undefined);
    } finally {
      await Promise.all([cityA.close(), cityB.close()]);
    }
  });
});
