import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadConfig, startGateway, type RunningGateway } from '@tender-ledger/gateway';
import { mintDevToken } from '@tender-ledger/client-sdk';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(REPO, 'examples');

describe('examples/', function () {
  // The whole tender waits for its (real-time) bid deadline and opening time.
  this.timeout(120_000);
  let gateway: RunningGateway;
  let data: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    data = tempDir('tender-examples-gateway-');
    work = tempDir('tender-examples-');
    // A real gateway on real time: the examples wait for deadlines as a platform would.
    gateway = await startGateway(loadConfig({ DATA_DIR: data.dir, PORT: '0' }));
    env = {
      ...process.env,
      TENDER_URL: gateway.url,
      TENDER_TOKEN: await mintDevToken(data.dir, { role: 'platform', sub: 'examples' }),
      TENDER_DEADLINE_SECONDS: '4',
    };
  });
  after(async () => {
    await gateway.close();
    data.remove();
    work.remove();
  });

  const example = (name: string) => run(process.execPath, [path.join(EXAMPLES, name)], { cwd: work.dir, env });

  describe('notarise-and-verify.mjs', () => {
    it('records a file, verifies its receipt offline and finds it again', async () => {
      const { stdout } = await example('notarise-and-verify.mjs');
      expect(stdout).to.match(
        /^recorded [0-9a-f]{64} at .*\nreceipt valid: DocumentNotarised in block \d+\nthe ledger knows this file 1 time\(s\)\n$/,
      );
    });
  });

  describe('whole-tender.mjs', () => {
    it("runs a tender from registration to the winner's deposit, every receipt verified, the chain intact", async () => {
      const { stdout } = await example('whole-tender.mjs');
      expect(stdout).to.include('opened: B1 VALID, B2 VALID, B3 VALID');
      expect(stdout).to.match(/: \d+ records, 19 receipts verified, chain intact, status contracted\n$/);
    });
  });

  describe('README.md', () => {
    it('quotes every example verbatim', () => {
      const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
      const names = readdirSync(EXAMPLES).filter((f) => f.endsWith('.mjs'));
      expect(names).to.have.length.greaterThan(1);
      for (const name of names) {
        const source = readFileSync(path.join(EXAMPLES, name), 'utf8');
        expect(readme, name).to.include(`<!-- examples/${name} -->\n\`\`\`js\n${source}\`\`\`\n`);
      }
    });
  });
});
