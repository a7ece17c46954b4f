import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { EmbeddedBackend, loadConfig, startGateway, type LedgerBackend, type RunningGateway } from '@tender-ledger/gateway';
import { mintDevToken } from '@tender-ledger/client-sdk';
import { sha256Hex } from '@tender-ledger/domain';
import { tempDir } from '../helpers/temp.js';

/**
 * A real embedded ledger behind a backend that keeps no transparency log and names no leaves:
 * what the gateway sees of a Fabric network with FABRIC_TLOG off (the default), which the
 * embedded suite cannot start. Everything else is the embedded backend's own answer.
 */
function withoutLog(inner: EmbeddedBackend): LedgerBackend {
  const drop = <T extends { leafIndex?: number }>({ leafIndex: _leafIndex, ...rest }: T): Omit<T, 'leafIndex'> => rest;
  return {
    kind: 'fabric',
    log: undefined,
    submit: async (caller, fn, args, projectId, options) => drop(await inner.submit(caller, fn, args, projectId, options)),
    submitAsOwner: async (owner, fn, args) => drop(await inner.submitAsOwner(owner, fn, args)),
    evaluate: (reader, fn, args) => inner.evaluate(reader, fn, args),
    transaction: async (txId) => {
      const landed = await inner.transaction(txId);
      return landed && drop(landed);
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
}

describe('a gateway whose ledger keeps no transparency log (Fabric with FABRIC_TLOG off)', function () {
  this.timeout(60_000);
  const temp = tempDir('tender-nolog-');
  let gateway: RunningGateway;
  let token: string;

  before(async () => {
    const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0', CLOSE_BIDDING_AT_DEADLINE: 'false' });
    const inner = await EmbeddedBackend.open(temp.dir, { platform: config.platformMspId, regulator: config.regulatorMspId });
    gateway = await startGateway(config, { backend: withoutLog(inner) });
    token = await mintDevToken(temp.dir, { role: 'platform', sub: 'no-log-platform' });
  });
  after(async () => {
    await gateway.close();
    temp.remove();
  });

  async function notarise(label: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${gateway.url}/v1/evidence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sha256: sha256Hex(label), kind: 'archive' }),
    });
  }

  it('starts no checkpointer', () => {
    expect(gateway.tlog).to.equal(undefined);
  });

  describe('POST /v1/evidence', () => {
    it('answers 201 with a receipt that names no leaf index, and verifies', async () => {
      const res = await notarise('no log: receipt');
      expect(res.status).to.equal(201);
      const { receipt } = (await res.json()) as { receipt: string };
      expect(decodeJwt(receipt)).to.not.have.property('leafIndex');
      const check = await fetch(`${gateway.url}/v1/receipts/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ receipt }),
      });
      expect(await check.json()).to.include({ valid: true, blockMatches: true });
    });

    it('with Prefer: wait=proof, answers the write as it is: no proof, no Preference-Applied', async () => {
      const res = await notarise('no log: prefer', { prefer: 'wait=proof' });
      expect(res.status).to.equal(201);
      expect(res.headers.get('preference-applied')).to.equal(null);
      expect(Object.keys((await res.json()) as object).sort()).to.deep.equal(['receipt', 'record']);
    });
  });

  for (const route of [
    '/checkpoint',
    '/log/policy',
    '/log/consistency/0/1',
    '/tile/0/000.p/1',
    '/tile/entries/000.p/1',
    '/v1/records/some-record/proof',
  ]) {
    describe(`GET ${route}`, () => {
      it('answers 404 LOG_NOT_KEPT as application/problem+json, not "no route"', async () => {
        const res = await fetch(`${gateway.url}${route}`);
        expect(res.status).to.equal(404);
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(await res.json()).to.include({ status: 404, code: 'LOG_NOT_KEPT' });
      });
    });
  }
});
