import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { FabricBackend, type FabricConnection } from '@tender-ledger/gateway';
import { present } from '../helpers/assert.js';
import { ISSUER, network, platform, readConnection, REGULATOR, sha } from '../helpers/province.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function metric(url: string, name: string, channel: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const match = new RegExp(`^${name}\\{channel="${channel}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The province's three Raft orderers (`CITIES=N network.sh up`): the leader killed while a centre's
 * gateway writes. Figures (recovery time, counts) are printed, not asserted: they depend on the machine.
 */
describe("The province's ordering service", function () {
  this.timeout(600_000);

  describe('when the Raft leader is killed under load', () => {
    it('keeps writing under a new leader, keeps every acknowledged write exactly once, and the killed orderer catches up', async () => {
      const connection = readConnection() as FabricConnection & { operations: Record<string, string> };
      const orderers = Object.entries(connection.operations).filter(([name]) => name.startsWith('orderer'));
      expect(
        orderers.map(([name]) => name),
        'the province network has three orderers',
      ).to.have.length(3);
      const leader = async () => {
        for (const [name, url] of orderers) if ((await metric(url, 'consensus_etcdraft_is_leader', connection.channel)) === 1) return name;
        return undefined;
      };
      const backend = await FabricBackend.open({
        connection,
        platformIdentities: { [`${ISSUER}::platform`]: 'User1' },
        platformMspId: 'TradingCentreMSP',
        regulatorMspId: REGULATOR,
        regulatorIdentity: 'User1',
        publicIdentity: 'User5',
        bidderIdentity: 'User5',
      });
      const writes: { hash: string; acknowledged: boolean; startedAt: number; endedAt: number }[] = [];
      let writing = true;
      const writer = async () => {
        while (writing) {
          const hash = sha(`raft ${randomUUID()}`);
          const startedAt = Date.now();
          const acknowledged = await backend
            .submit(platform, 'notary:notariseDocument', [JSON.stringify({ sha256: hash, kind: 'raft-test' })])
            .then(
              () => true,
              () => false,
            );
          writes.push({ hash, acknowledged, startedAt, endedAt: Date.now() });
        }
      };
      let killed: string | undefined;
      try {
        const writers = Array.from({ length: 4 }, writer);
        await sleep(5_000);
        const victim = present(await leader(), 'a Raft leader before the kill');
        killed = victim;
        const killedAt = Date.now();
        await network(['stop-node', victim]);
        // Writes go on under the two that are left (a majority of three).
        for (let waited = 0; !writes.some((w) => w.acknowledged && w.startedAt > killedAt) && waited < 120_000; waited += 200)
          await sleep(200);
        const firstAfter = present(
          writes.filter((w) => w.acknowledged && w.startedAt > killedAt).sort((a, b) => a.endedAt - b.endedAt)[0],
          'an acknowledged write begun after the kill',
        );
        const newLeader = await leader();
        await sleep(5_000);
        await network(['start-node', victim]);
        await sleep(3_000);
        writing = false;
        await Promise.all(writers);
        // The killed orderer catches up with the others' committed blocks.
        const heightOf = async (name: string) =>
          metric(
            present(
              orderers.find(([n]) => n === name),
              `orderer ${name}`,
            )[1],
            'consensus_etcdraft_committed_block_number',
            connection.channel,
          );
        const others = orderers.map(([name]) => name).filter((name) => name !== victim);
        let caughtUp = false;
        for (let waited = 0; !caughtUp && waited < 120_000; waited += 500) {
          const target = Math.max(...(await Promise.all(others.map(async (name) => (await heightOf(name)) ?? 0))));
          caughtUp = target > 0 && (await heightOf(victim)) === target;
          if (!caughtUp) await sleep(500);
        }
        expect(caughtUp, `${victim} caught up with ${others.join(' and ')}`).to.equal(true);
        // Every acknowledged write is on the ledger exactly once; one that failed at most once (its outcome was unknown).
        for (const write of writes) {
          const found = JSON.parse(await backend.evaluate({ kind: 'public' }, 'tender:findByHash', [write.hash])) as { records: unknown[] };
          if (write.acknowledged) expect(found.records, `acknowledged ${write.hash}`).to.have.length(1);
          else expect(found.records.length, `unacknowledged ${write.hash}`).to.be.at.most(1);
        }
        const acknowledged = writes.filter((w) => w.acknowledged).length;
        console.log(
          `      [measured] leader ${victim} killed; new leader ${newLeader ?? 'unknown'}; first write acknowledged ${firstAfter.endedAt - killedAt} ms after the kill; ` +
            `${acknowledged} acknowledged, ${writes.length - acknowledged} failed, of ${writes.length}; ${victim} caught up`,
        );
      } finally {
        writing = false;
        if (killed !== undefined) await network(['start-node', killed]).catch(() => undefined);
        await backend.close();
      }
    });
  });
});
