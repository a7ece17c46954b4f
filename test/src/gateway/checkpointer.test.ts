import { expect } from 'chai';
import { SIG_ED25519, formatPolicy, parsePolicy, verifyCheckpoint } from '@tender-ledger/tlog';
import { generateSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { statSync } from 'node:fs';
import path from 'node:path';
import { Checkpointer, loadOrCreateLogKey } from '@tender-ledger/gateway';
import { errorMessage, present } from '../helpers/assert.js';
import { tempDir } from '../helpers/temp.js';
import { TestLog } from '../helpers/tlog.js';
import { startTestWitness, type TestWitness } from '../helpers/witnesses.js';

const ORIGIN = 'checkpointer.test/log';

describe('Checkpointer', () => {
  let witnesses: TestWitness[];
  let log: TestLog;
  const key = parseSignerKey(generateSignerKey(ORIGIN, SIG_ED25519));
  const quiet = () => undefined;

  beforeEach(async () => {
    witnesses = [await startTestWitness('w1.test'), await startTestWitness('w2.test')];
    for (const w of witnesses) w.trust(key.vkey);
    log = new TestLog(ORIGIN, 0, key).grow(3);
  });
  afterEach(async () => {
    for (const w of witnesses) await w.close();
  });

  const checkpointer = (threshold: number, ws = witnesses) => {
    const policy = parsePolicy(formatPolicy({ logs: [key.vkey], witnesses: ws.map((w) => w.vkey), threshold }), { ed25519: nodeEd25519 });
    return {
      policy,
      c: new Checkpointer({
        log: log.tree,
        origin: ORIGIN,
        signer: key.signer,
        witnesses: ws.map((w) => ({ url: w.url, vkey: w.vkey })),
        policy,
        warn: quiet,
      }),
    };
  };

  describe('after a restart (the witnesses know a later size than it does)', () => {
    it('re-sends from the size a 409 names, and publishes', async () => {
      const first = checkpointer(2);
      await first.c.tick();
      expect(first.c.published?.size).to.equal(3);
      log.grow(7);
      const restarted = checkpointer(2);
      await restarted.c.tick();
      expect(restarted.c.published?.size).to.equal(7);
      expect(
        verifyCheckpoint(present(restarted.c.published, 'the published checkpoint').note, restarted.policy).cosignatures,
      ).to.have.length(2);
      // The same size again after another restart: from that size the proof is empty, and it is cosigned again.
      const again = checkpointer(2);
      await again.c.tick();
      expect(again.c.published?.size).to.equal(7);
    });
  });

  describe('with a 1-of-2 policy and one witness down', () => {
    it('publishes with the one cosignature, and a 2-of-2 policy does not', async () => {
      const down = present(witnesses[1], 'the second witness');
      await down.close();
      const oneOfTwo = checkpointer(1);
      await oneOfTwo.c.tick();
      expect(oneOfTwo.c.published?.size).to.equal(3);
      expect(Object.keys(oneOfTwo.c.witnessErrors())).to.deep.equal([down.url]);
      const twoOfTwo = checkpointer(2);
      await twoOfTwo.c.tick();
      expect(twoOfTwo.c.published).to.equal(undefined);
      expect(twoOfTwo.c.latest?.size).to.equal(3);
      await twoOfTwo.c.waitFor(3, 50).then(
        () => expect.fail('published'),
        (e: unknown) => {
          expect(errorMessage(e)).to.include('no checkpoint meeting the witness policy');
        },
      );
      witnesses.pop();
    });
  });
});

describe('loadOrCreateLogKey', () => {
  it('creates DATA_DIR/keys/log on first start (mode 0600), loads the same key after, and refuses another origin', async () => {
    const temp = tempDir('tender-log-key-');
    try {
      const first = await loadOrCreateLogKey(temp.dir, 'a.example/tender-ledger');
      expect(statSync(path.join(temp.dir, 'keys', 'log')).mode & 0o777).to.equal(0o600);
      expect((await loadOrCreateLogKey(temp.dir, 'a.example/tender-ledger')).vkey).to.equal(first.vkey);
      await loadOrCreateLogKey(temp.dir, 'b.example/tender-ledger').then(
        () => expect.fail('loaded'),
        (e: unknown) => {
          expect(errorMessage(e)).to.include('not b.example/tender-ledger');
        },
      );
    } finally {
      temp.remove();
    }
  });
});
