import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { commitBid, type TenderLedgerClient } from '@tender-ledger/client-sdk';
import { sha256Hex } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COMMITTEE, DEPOSIT, Tender } from '../helpers/tender.js';
import { tempDir } from '../helpers/temp.js';
import { launchChromium } from '../helpers/browser.js';

const SHOTS = path.resolve(__dirname, '../../../test-artifacts/screenshots');
const DAY = 86_400_000;
const doc = (name: string) => sha256Hex(`page document ${name}`);

/** Seeds a tender that went through every step, with two deposits left unreleased past 5 days. */
async function seedTender(
  t: TestGateway,
  platform: TenderLedgerClient,
  bidFile: string,
): Promise<{ projectId: string; salt: string; price: number }> {
  const tender = Tender.overHttp(t, platform, 'GZ-2026-0042');
  const deadline = t.time.iso(3 * DAY);
  await tender.register({
    name: '六盘水市中心城区道路改造',
    category: '房建市政',
    tenderer: '六盘水市住房和城乡建设局',
    estimatedPrice: 500_000_000,
    bidDeadline: deadline,
    openingTime: deadline,
  });
  const mine = '91520200MA6DKQ7X1B';
  const price = 430_000_000;
  for (const bidderId of [mine, 'B-SECOND', 'B-THIRD']) {
    await tender.registerBidder(bidderId, {
      form: 'guarantee',
      amount: DEPOSIT,
      issuer: '贵州银行',
      reference: `BG-${bidderId.slice(-4)}`,
      docSha256: doc(`letter ${bidderId}`),
    });
  }
  const bidFileSha256 = sha256Hex(readFileSync(bidFile));
  // The first bidder changes its bid before the deadline (BL 29): the later commitment counts.
  await tender.commit(mine, price + 5_000_000, tender.owner, bidFileSha256);
  await tender.commit(mine, price, tender.owner, bidFileSha256);
  await tender.commit('B-SECOND', 445_000_000);
  await tender.commit('B-THIRD', 452_000_000);
  await tender.notarise({ sha256: doc('clarification'), kind: 'clarification', metadata: { fileName: '澄清文件第1号.pdf' } });
  await tender.appointCommittee();
  await tender.reachOpening();
  await tender.open();
  const scores: Record<string, number> = { [mine]: 9200, 'B-SECOND': 8650, 'B-THIRD': 8100 };
  await tender.scoreByCommittee(COMMITTEE, (_e, bidderId) => scores[bidderId] ?? 0);
  await tender.award(mine);
  await tender.release('B-SECOND');
  await tender.signContract();
  t.clock.advance(9 * DAY);
  return { projectId: tender.projectId, salt: tender.bids.get(mine)?.salt ?? '', price };
}

describe('web pages in headless Chromium', function () {
  this.timeout(120_000);
  let t: TestGateway;
  let browser: Browser;
  let page: Page;
  let files: ReturnType<typeof tempDir>;
  let announcement: string;
  let bidFile: string;
  let receipt: string;
  let tender: { projectId: string; salt: string; price: number };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    files = tempDir('tender-pages-');
    announcement = path.join(files.dir, '招标公告.pdf');
    writeFileSync(announcement, `%PDF-1.4 招标公告 ${Date.now()}\n`.repeat(200));
    bidFile = path.join(files.dir, 'bid.pdf');
    writeFileSync(bidFile, `%PDF-1.4 投标文件 ${Date.now()}\n`.repeat(300));
    t = await startTestGateway({
      TRADING_CENTRE_NAME: '六盘水市公共资源交易中心',
      PLATFORM_NAMES: JSON.stringify({
        'gz-etrading': '贵州省公共资源交易电子平台',
        '91520200MA6DKQ7X1B': '贵州路桥建设有限公司',
        'B-SECOND': '六盘水第二建设公司',
        'B-THIRD': '水城第三工程公司',
      }),
    });
    const platform = await t.client('platform', 'gz-etrading');
    receipt = (await platform.notariseFile(announcement, { kind: 'announcement', metadata: { fileName: '招标公告.pdf' } })).receipt;
    tender = await seedTender(t, platform, bidFile);
    const launched = await launchChromium();
    browser = launched.browser;
    console.log(`      browser: ${launched.description}`);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    files?.remove();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (page as unknown as { errors: string[] }).errors = errors;
  });
  afterEach(async function () {
    const errors = (page as unknown as { errors: string[] }).errors;
    await page.close();
    // A Content-Security-Policy violation or a script error shows up here.
    expect(
      errors.filter((e) => !e.includes('Failed to load resource')),
      'console errors',
    ).to.deep.equal([]);
  });
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  describe('the verify page (核验)', () => {
    it('finds a real file dropped on it, hashing it in the browser', async () => {
      await page.goto(t.url);
      expect(await page.textContent('h1')).to.equal('核验文件或回执');
      const content = [...readFileSync(announcement)];
      await page.evaluate(
        ({ bytes, name }) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name, { type: 'application/pdf' }));
          document
            .getElementById('drop-zone')
            ?.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        },
        { bytes: content, name: path.basename(announcement) },
      );
      await page.waitForSelector('[data-testid="found"]');
      expect(await page.textContent('#file-result'))
        .to.include(sha256Hex(readFileSync(announcement)))
        .and.include('文件存证');
      await shot('verify-file-found');
    });

    it('says plainly that a file never notarised is not on the ledger', async () => {
      await page.goto(t.url);
      const stranger = path.join(files.dir, 'stranger.txt');
      writeFileSync(stranger, 'never notarised');
      await page.setInputFiles('#file-input', stranger);
      await page.waitForSelector('[data-testid="not-found"]');
      expect(await page.textContent('[data-testid="not-found"]')).to.equal('账本上没有这个文件的任何记录。');
      await shot('verify-file-not-found');
    });

    it('verifies a receipt, and refuses it with one character changed', async () => {
      await page.goto(t.url);
      await page.fill('#receipt', receipt);
      await page.click('form button[type="submit"]');
      await page.waitForSelector('[data-testid="receipt-valid"]');
      expect(await page.locator('.checks .pass').count()).to.equal(4);
      await shot('verify-receipt-valid');
      const [header, payload, signature] = receipt.split('.') as [string, string, string];
      const at = Math.floor(signature.length / 2);
      await page.fill(
        '#receipt',
        `${header}.${payload}.${signature.slice(0, at)}${signature[at] === 'A' ? 'B' : 'A'}${signature.slice(at + 1)}`,
      );
      await page.click('form button[type="submit"]');
      await page.waitForSelector('[data-testid="receipt-invalid"]');
      expect(await page.locator('.checks .fail').count()).to.equal(4);
      await shot('verify-receipt-refused');
    });

    it('checks a receipt carried in a link, as a QR code would open it', async () => {
      await page.goto(`${t.url}/#receipt=${receipt}`);
      await page.waitForSelector('[data-testid="receipt-valid"]');
    });

    it('checks a .tlog-proof file offline in the browser, and refuses it with one hash changed', async () => {
      const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as {
        recordId: string;
        leafIndex: number;
      };
      const res = await fetch(`${t.url}/v1/records/${claims.recordId}/proof`);
      expect(res.status).to.equal(200);
      const bundle = await res.text();
      const good = path.join(files.dir, `${claims.recordId}.tlog-proof`);
      writeFileSync(good, bundle);
      await page.goto(t.url);
      await page.setInputFiles('#proof-input', good);
      await page.waitForSelector('[data-testid="proof-valid"]');
      expect(await page.textContent('#proof-result')).to.include(`日志第 ${claims.leafIndex} 项`);
      await shot('verify-proof-valid');
      // One inclusion hash (or, in a tree of one, the checkpoint's root) changed: the path no longer reaches the signed root.
      const lines = bundle.split('\n');
      const at = lines.findIndex((line, i) => i > 0 && /^[A-Za-z0-9+/]{43}=$/.test(line));
      const target = at >= 0 ? at : lines.findIndex((line) => /^[A-Za-z0-9+/]{43}=$/.test(line));
      expect(target, bundle).to.be.at.least(0);
      const line = present(lines[target], 'a proof line with a hash');
      lines[target] = `${line[0] === 'A' ? 'B' : 'A'}${line.slice(1)}`;
      const bad = path.join(files.dir, 'altered.tlog-proof');
      writeFileSync(bad, lines.join('\n'));
      await page.setInputFiles('#proof-input', bad);
      await page.waitForSelector('[data-testid="proof-invalid"]');
      expect(await page.textContent('[data-testid="proof-reason"]')).to.match(
        /^TLOG_(INCLUSION_INVALID|SIGNATURE_INVALID|SIGNATURE_MISSING)/,
      );
      await shot('verify-proof-refused');
    });

    it('checks a proof carried in a link (#proof=…)', async () => {
      const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as {
        recordId: string;
      };
      const bundle = await (await fetch(`${t.url}/v1/records/${claims.recordId}/proof`)).text();
      await page.goto(`${t.url}/#proof=${Buffer.from(bundle).toString('base64url')}`);
      await page.waitForSelector('[data-testid="proof-valid"]');
    });
  });

  describe('the evidence certificate (存证证明)', () => {
    it("shows the record's facts, block and tx, with a QR code that opens the verify page for it", async () => {
      const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as {
        recordId: string;
        recordHash: string;
        blockNumber: number;
      };
      await page.goto(`${t.url}/certificate/${claims.recordId}`);
      await page.waitForSelector('[data-testid="certificate"]');
      const text = await page.textContent('[data-testid="certificate"]');
      expect(text).to.include(claims.recordHash).and.include(claims.recordId).and.include('存证证明');
      const qrLink = await page.getAttribute('.qr a', 'href');
      expect(qrLink).to.equal(`${t.url}/?record=${claims.recordId}`);
      expect(await page.getAttribute('.qr img', 'src')).to.match(/^data:image\/gif;base64,/);
      await shot('certificate');
      await page.emulateMedia({ media: 'print' });
      await shot('certificate-print');
      await page.goto(qrLink as string);
      await page.waitForSelector('[data-testid="found"]');
    });

    it("carries the record's inclusion proof in a second QR code, whose link opens the verify page checking it offline", async () => {
      const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as {
        recordId: string;
      };
      await page.goto(`${t.url}/certificate/${claims.recordId}`);
      await page.waitForSelector('[data-testid="proof-qr"] img');
      const link = (await page.getAttribute('[data-testid="proof-qr"] a', 'href')) ?? '';
      expect(link.startsWith(`${t.url}/?record=${claims.recordId}#proof=`), link).to.equal(true);
      const bundle = Buffer.from(link.split('#proof=')[1] ?? '', 'base64url').toString('utf8');
      expect(bundle.startsWith('c2sp.org/tlog-proof@v1\n'), bundle).to.equal(true);
      expect(await page.getAttribute('[data-testid="proof-qr"] img', 'src')).to.match(/^data:image\/gif;base64,/);
      await shot('certificate-proof-qr');
      await page.goto(link);
      await page.waitForSelector('[data-testid="proof-valid"]');
    });

    for (const [lang, width] of [
      ['zh', 1280],
      ['en', 1280],
      ['zh', 390],
      ['en', 390],
    ] as const) {
      it(`names the document, its kind and the parties, in Beijing time, with the PDF to download (${lang}, ${width} px)`, async () => {
        const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as {
          recordId: string;
        };
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${t.url}/certificate/${claims.recordId}`);
        if (lang === 'en') await page.click('#lang-switch');
        await page.waitForSelector('[data-testid="certificate"]');
        const text = (await page.textContent('[data-testid="certificate"]')) ?? '';
        expect(text)
          .to.include('六盘水市公共资源交易中心')
          .and.include('招标公告.pdf')
          .and.include('贵州省公共资源交易电子平台')
          .and.include(lang === 'zh' ? '北京时间' : 'Beijing time')
          .and.include(lang === 'zh' ? '招标公告' : 'Tender announcement');
        expect(text).to.not.include('platform::').and.not.include('TradingCentreMSP');
        const pdf = await page.getAttribute('[data-testid="pdf"]', 'href');
        const response = await page.request.get(`${t.url}${present(pdf, "the certificate's PDF link")}`);
        expect(response.headers()['content-type']).to.equal('application/pdf');
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
        await shot(`certificate-${lang}-${width}`);
      });
    }

    it('for a sealed bid says what stays hidden until the opening and why, naming no bidder', async () => {
      const platform = await t.client('platform', 'gz-etrading');
      const projectId = 'GZ-2026-0099';
      const deadline = t.time.iso(3 * DAY);
      await platform.registerProject({
        projectId,
        name: '钟山区学校改扩建',
        category: '房建市政',
        estimatedPrice: 100_000_000,
        depositAmount: DEPOSIT,
        bidDeadline: deadline,
        openingTime: deadline,
        tenderDocSha256: doc('sealed tender'),
      });
      await platform.registerBidder(projectId, { bidderId: 'B-SEALED', deposit: { form: 'cash', amount: DEPOSIT } });
      const { record } = await platform.submitBid(projectId, {
        bidderId: 'B-SEALED',
        commitment: commitBid({ projectId, bidderId: 'B-SEALED', bidFileSha256: doc('sealed bid'), price: 90_000_000 }).commitment,
      });
      await page.goto(`${t.url}/certificate/${record.recordId}`);
      await page.waitForSelector('[data-testid="notice"]');
      expect(await page.textContent('[data-testid="notice"]')).to.include('第二十二条');
      expect(await page.textContent('[data-testid="certificate"]')).to.not.include('B-SEALED');
      await shot('certificate-sealed');
    });
  });

  describe('the regulator page (监管)', () => {
    const signInAsRegulator = async (lang: 'zh' | 'en') => {
      await page.goto(`${t.url}/regulator`);
      if (lang === 'en') await page.click('#lang-switch');
      await page.fill('#token', await t.token('regulator', 'liupanshui-supervision'));
      await page.click('form button[type="submit"]');
      await page.waitForSelector('#projects li');
    };

    it("shows a project's timeline through every step with the chain check, names for ids, kinds and amounts in words, superseded commitments read right", async () => {
      await signInAsRegulator('zh');
      await page.selectOption('#filter-category', '房建市政');
      await page.waitForSelector(`#projects li[data-project="${tender.projectId}"]`);
      await page.click(`#projects li[data-project="${tender.projectId}"] button`);
      await page.waitForSelector('[data-testid="chain"]');
      expect(await page.textContent('[data-testid="chain"]')).to.equal('哈希链完整');
      const steps = await page.locator('.timeline li strong').allTextContents();
      for (const step of [
        '项目登记',
        '投标报名',
        '投标递交（密封）',
        '文件存证',
        '组建评标委员会（专家抽取）',
        '开标',
        '评标打分',
        '定标',
        '签订合同',
        '退还保证金',
      ])
        expect(steps).to.include(step);
      const detailOf = (step: RegExp) => page.locator('.timeline li', { has: page.locator('strong', { hasText: step }) });
      // The award names the winner and its price in yuan with grouping.
      expect(
        await detailOf(/^定标$/)
          .locator('.detail')
          .textContent(),
      ).to.equal('贵州路桥建设有限公司 · 4,300,000.00 元');
      // Scores are integer hundredths of a point, shown as points.
      expect(
        await detailOf(/^评标打分$/)
          .first()
          .locator('.detail')
          .textContent(),
      ).to.equal('E1: 贵州路桥建设有限公司 92.00, 六盘水第二建设公司 86.50, 水城第三工程公司 81.00');
      // The first bidder changed its bid: the older commitment is the superseded one, the newer one counts.
      const commitments = await detailOf(/^投标递交（密封）$/)
        .locator('.detail')
        .allTextContents();
      expect(commitments[0]).to.include('贵州路桥建设有限公司').and.include('已被后续承诺取代');
      expect(commitments[1]).to.include('贵州路桥建设有限公司').and.include('当前有效');
      expect(
        await detailOf(/^文件存证$/)
          .locator('.detail')
          .textContent(),
      ).to.equal('澄清/修改文件 · 澄清文件第1号.pdf');
      const timeline = (await page.textContent('.timeline')) ?? '';
      expect(timeline).to.include('贵州省公共资源交易电子平台').and.not.include('platform::').and.not.include('TradingCentreMSP');
      await shot('regulator-timeline');
      await page.click('#tab-overdue');
      const overdue = await page.textContent('#overdue');
      expect(overdue).to.include('贵州路桥建设有限公司').and.include('水城第三工程公司').and.not.include('六盘水第二建设公司');
      await page.click('#tab-report');
      expect(await page.textContent('#report')).to.include('房建市政');
    });

    it('searches and pages projects on the server, and shows a project past its deadline as awaiting opening', async () => {
      const platform = await t.client('platform', 'gz-etrading');
      for (let i = 0; i < 55; i++) {
        await platform.registerProject({
          projectId: `PAGE-${String(i).padStart(3, '0')}`,
          name: `批量项目 ${i}`,
          category: '政府采购',
          estimatedPrice: 10_000_000,
          depositAmount: 100_000,
          bidDeadline: t.time.iso(DAY),
          openingTime: t.time.iso(DAY),
          tenderDocSha256: doc(`page ${i}`),
        });
      }
      t.clock.advance(2 * DAY);
      await signInAsRegulator('zh');
      expect(await page.locator('#projects li').count()).to.equal(50);
      expect(await page.textContent('#project-count')).to.match(/显示 50 \/ 共 \d+ 个项目/);
      await page.click('#more');
      await page.waitForFunction(() => document.querySelectorAll('#projects li').length > 50);
      expect(await page.locator('#more').isHidden()).to.equal(true);
      await page.fill('#search', 'PAGE-05');
      await page.click('form.filters button[type="submit"]');
      await page.waitForFunction(() => document.querySelectorAll('#projects li').length === 5);
      await page.fill('#search', '批量项目 7');
      await page.click('form.filters button[type="submit"]');
      await page.waitForFunction(() => document.querySelectorAll('#projects li').length === 1);
      expect(await page.textContent('#projects li .status')).to.equal('待开标（已截止）');
      await page.fill('#search', '');
      await page.selectOption('#filter-status', 'awaiting-opening');
      await page.waitForFunction(() => document.querySelectorAll('#projects li').length >= 50);
      expect(await page.locator('#projects li .status', { hasText: '投标中' }).count()).to.equal(0);
    });

    for (const [lang, width] of [
      ['zh', 1280],
      ['en', 1280],
      ['zh', 390],
      ['en', 390],
    ] as const) {
      it(`fits the screen with reports on their own tabs, tables as cards on a phone (${lang}, ${width} px)`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await signInAsRegulator(lang);
        await page.fill('#search', tender.projectId);
        await page.click('form.filters button[type="submit"]');
        await page.waitForFunction(() => document.querySelectorAll('#projects li').length === 1);
        await page.click(`#projects li[data-project="${tender.projectId}"] button`);
        await page.waitForSelector('[data-testid="chain"]');
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
        await shot(`regulator-${lang}-${width}`);
        await page.click('#tab-report');
        expect(await page.textContent('#report')).to.include(lang === 'zh' ? '同比变化' : 'Year-on-year');
        await shot(`regulator-report-${lang}-${width}`);
        await page.click('#tab-overdue');
        const display = await page.evaluate(() => getComputedStyle(document.querySelector('#overdue td') as Element).display);
        expect(display).to.equal(width === 390 ? 'grid' : 'table-cell');
        // No text runs down in one-character columns: every cell is at least a few characters wide.
        const narrowest = await page.evaluate(() =>
          Math.min(...[...document.querySelectorAll('#overdue td')].map((td) => td.getBoundingClientRect().width)),
        );
        expect(narrowest).to.be.above(60);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
        await shot(`regulator-overdue-${lang}-${width}`);
      });
    }
  });

  describe('the bidder page (投标人)', () => {
    for (const [lang, width] of [
      ['zh', 1280],
      ['en', 1280],
      ['zh', 390],
      ['en', 390],
    ] as const) {
      it(`shows registration, deposit, commitments with labelled times, the opening, the award and the contract, each with its receipt, and one local check (${lang}, ${width} px)`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${t.url}/bidder`);
        if (lang === 'en') await page.click('#lang-switch');
        await page.fill('#token', await t.token('bidder', '91520200MA6DKQ7X1B'));
        await page.click('form button[type="submit"]');
        await page.waitForSelector('.bid');
        const card = (await page.textContent('.bid')) ?? '';
        expect(card).to.include(tender.projectId);
        const words =
          lang === 'zh'
            ? [
                '投标截止时间',
                '开标时间',
                '投标报名',
                '银行保函',
                '已交 20,000.00 元',
                '已开标，投标有效',
                '中标',
                '4,300,000.00',
                '合同',
                '保证金尚未退还',
                '递交时间',
              ]
            : [
                'Bid deadline',
                'Opening time',
                'Registration',
                'bank guarantee letter',
                'paid 20,000.00 yuan',
                'opened, bid valid',
                'won',
                '4,300,000.00',
                'Contract',
                'deposit not yet released',
                'Submitted',
              ];
        for (const word of words) expect(card, word).to.include(word);
        // The older commitment is the superseded one; the newer one counts.
        const badges = await page.locator('[data-testid="commitment"] .badge').allTextContents();
        expect(badges).to.deep.equal(lang === 'zh' ? ['已被后续承诺取代', '当前有效'] : ['superseded by a later commitment', 'current']);
        // A receipt per record: registration, two commitments, opening, award, contract.
        expect(await page.locator('.bid .receipt-download').count()).to.equal(6);
        expect(await page.locator('form.local-check').count()).to.equal(1);
        expect(await page.textContent('.file-field')).to.include(lang === 'zh' ? '选择文件' : 'Choose a file');
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
        await shot(`bidder-${lang}-${width}`);
      });
    }

    it('downloads a receipt that verifies, and confirms locally that the sealed bid is what was opened', async () => {
      await page.goto(`${t.url}/bidder`);
      await page.fill('#token', await t.token('bidder', '91520200MA6DKQ7X1B'));
      await page.click('form button[type="submit"]');
      await page.waitForSelector('.bid');
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.bid .receipt-download').first().click()]);
      const saved = path.join(files.dir, 'receipt.jws');
      await download.saveAs(saved);
      const verified = (await (
        await fetch(`${t.url}/v1/receipts/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ receipt: readFileSync(saved, 'utf8').trim() }),
        })
      ).json()) as { valid: boolean };
      expect(verified.valid).to.equal(true);
      await page.setInputFiles('#check-file', bidFile);
      await page.fill('#check-price', String(tender.price));
      await page.fill('#check-salt', tender.salt);
      await page.click('.local-check button');
      await page.waitForSelector('.local-check .verdict.good');
      await page.fill('#check-price', String(tender.price + 1));
      await page.click('.local-check button');
      await page.waitForSelector('.local-check .verdict.bad');
    });

    it('says so when the token is refused or cannot be used, instead of a silent form', async () => {
      await page.goto(`${t.url}/bidder`);
      const good = await t.token('bidder', '91520200MA6DKQ7X1B');
      const [head, body, signature] = good.split('.') as [string, string, string];
      await page.fill('#token', `${head}.${body}.${signature.slice(0, -4)}AAAA`);
      await page.click('form button[type="submit"]');
      await page.waitForSelector('[data-testid="token-problem"]');
      expect(await page.textContent('[data-testid="token-problem"]')).to.include('令牌无效');
      await page.fill('#token', 'not-a-token');
      await page.click('form button[type="submit"]');
      await page.waitForSelector('[data-testid="token-problem"]');
      expect(await page.textContent('[data-testid="token-problem"]')).to.include('已过期或无法读取');
      await shot('bidder-token-refused');
    });
  });

  describe('languages and small screens', () => {
    it('switches between Chinese and English, and fits a phone-width screen', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(t.url);
      expect(await page.getAttribute('html', 'lang')).to.equal('zh-CN');
      await page.click('#lang-switch');
      expect(await page.textContent('h1')).to.equal('Verify a file or a receipt');
      expect(await page.getAttribute('html', 'lang')).to.equal('en');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).to.be.at.most(0);
      await shot('verify-english-phone');
      await page.reload();
      expect(await page.textContent('h1')).to.equal('Verify a file or a receipt');
      await page.click('#lang-switch');
      expect(await page.textContent('h1')).to.equal('核验文件或回执');
    });

    it('is usable with the keyboard alone: the file chooser and the receipt form are reachable by Tab', async () => {
      await page.goto(t.url);
      const focused: string[] = [];
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        focused.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
      }
      expect(focused).to.include('file-input').and.include('receipt');
    });
  });
});
