import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { testBackends } from '../helpers/backends.js';

const REPO = path.resolve(__dirname, '../../..');

describe('TENDER_TEST_BACKENDS', () => {
  it('names the backends the behaviour suites run on, embedded when unset', () => {
    expect(testBackends('embedded')).to.deep.equal(['embedded']);
    expect(testBackends('embedded, fabric')).to.deep.equal(['embedded', 'fabric']);
  });

  it('throws on an unknown or empty name instead of defining no tests', () => {
    expect(() => testBackends('fabirc')).to.throw('unknown backend "fabirc"');
    expect(() => testBackends('')).to.throw('TENDER_TEST_BACKENDS');
  });

  it('fails a mocha run loudly when it names an unknown backend', function () {
    this.timeout(60_000);
    let status = 0;
    let output = '';
    try {
      execFileSync(
        process.execPath,
        [path.join(REPO, 'node_modules/mocha/bin/mocha.js'), '--no-config', 'test/dist/chaincode/tender-contract.test.js'],
        {
          cwd: REPO,
          env: { ...process.env, TENDER_TEST_BACKENDS: 'fabirc' },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 60_000,
        },
      );
    } catch (error) {
      status = (error as { status: number }).status;
      output = `${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`;
    }
    expect(status).to.not.equal(0);
    expect(output).to.include('unknown backend "fabirc"');
  });
});
