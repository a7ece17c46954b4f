import { expect } from 'chai';
import { projectsByCategoryYear, sha256Hex } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const DAY = 86_400_000;

describe('GET /v1/projects (paged, searched, filtered)', function () {
  this.timeout(120_000);
  let t: TestGateway;
  let regulator: string;
  const list = async (query: string, token = regulator) => {
    const response = await fetch(`${t.url}/v1/projects?${query}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      body: (await response.json()) as {
        projects: { projectId: string; name: string; registeredAt: string }[];
        nextCursor?: string;
        total: number;
        asOf: string;
        code?: string;
      },
    };
  };

  before(async () => {
    t = await startTestGateway();
    // Mid-year: the 14 registrations and the two days after them fall in one year, whatever day the suite runs.
    t.clock.set(`${new Date(t.time.nowMs()).getUTCFullYear() + 1}-06-01T00:00:00.000Z`);
    regulator = await t.token('regulator', 'bureau');
    for (const [sub, prefix] of [
      ['gz-etrading', 'GZ'],
      ['zunyi-etrading', 'ZY'],
    ] as const) {
      const platform = await t.client('platform', sub);
      for (let i = 0; i < 7; i++) {
        await platform.registerProject({
          projectId: `${prefix}-${i}`,
          name: `${prefix === 'GZ' ? '贵阳' : '遵义'}道路 ${i}`,
          category: i % 2 === 0 ? 'roads' : 'water',
          estimatedPrice: 10_000_000,
          depositAmount: 100_000,
          bidDeadline: t.time.iso(i < 2 ? DAY : 10 * DAY),
          openingTime: t.time.iso(i < 2 ? DAY : 10 * DAY),
          tenderDocSha256: sha256Hex(`${prefix}${i}`),
        });
        t.clock.advance(1000);
      }
    }
    t.clock.advance(2 * DAY);
  });
  after(() => t?.close());

  it('pages newest first with an opaque cursor until every project was seen once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { body } = await list(`limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.total).to.equal(14);
      seen.push(...body.projects.map((p) => p.projectId));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal([
      'ZY-6',
      'ZY-5',
      'ZY-4',
      'ZY-3',
      'ZY-2',
      'ZY-1',
      'ZY-0',
      'GZ-6',
      'GZ-5',
      'GZ-4',
      'GZ-3',
      'GZ-2',
      'GZ-1',
      'GZ-0',
    ]);
  });

  it('searches by project number and by name, and filters by category, year and owner', async () => {
    expect((await list('q=gz-3')).body.projects.map((p) => p.projectId)).to.deep.equal(['GZ-3']);
    expect((await list(`q=${encodeURIComponent('遵义道路')}`)).body.total).to.equal(7);
    expect((await list('category=water&owner=gz-etrading')).body.projects.map((p) => p.projectId)).to.deep.equal(['GZ-5', 'GZ-3', 'GZ-1']);
    // The year the ledger registered them in (their own time), not the year of the machine's clock.
    const year = present((await list('q=GZ-0')).body.projects[0], 'project GZ-0').registeredAt.slice(0, 4);
    expect((await list(`year=${year}`)).body.total).to.equal(14);
    expect((await list('year=1999')).body.total).to.equal(0);
  });

  it('finds projects whose deadline passed without an opening as awaiting-opening', async () => {
    const { body } = await list('status=awaiting-opening');
    expect(body.projects.map((p) => p.projectId).sort()).to.deep.equal(['GZ-0', 'GZ-1', 'ZY-0', 'ZY-1']);
    expect(body.asOf).to.equal(new Date(t.time.nowMs()).toISOString());
  });

  it('answers a bad limit or a made-up cursor with 400 INVALID_ARGUMENT naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', '/query/limit'],
      ['limit=201', '/query/limit'],
      ['limit=abc', '/query/limit'],
      ['cursor=nonsense', '/query/cursor'],
    ] as const) {
      const { status, body } = await list(query);
      expect(status, query).to.equal(400);
      expect((body as unknown as { errors: { field: string }[] }).errors.map((e) => e.field)).to.deep.equal([field]);
    }
  });

  it('answers a forged cursor with 400 INVALID_ARGUMENT: well-formed base64url JSON of another shape is not trusted', async () => {
    const { body: first } = await list('limit=5');
    expect(first.nextCursor).to.be.a('string');
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const at = present(first.projects[0], "the first page's first project").projectId;
    for (const cursor of [
      forge({ registeredAt: '2026-01-01T00:00:00Z', projectId: at }),
      forge(['2026-01-01T00:00:00Z']),
      forge(['yesterday', at]),
      forge(['2026-01-01T00:00:00Z', 'GZ 1; x']),
      forge(['2026-01-01T00:00:00Z', at, 'more']),
      forge(null),
      forge([1, 2]),
      'x'.repeat(401),
    ]) {
      const { status, body } = await list(`limit=5&cursor=${cursor}`);
      expect(status, Buffer.from(cursor, 'base64url').toString()).to.equal(400);
      expect(body.code).to.equal('INVALID_ARGUMENT');
      expect((body as unknown as { errors: { field: string }[] }).errors.map((e) => e.field)).to.deep.equal(['/query/cursor']);
    }
    // The cursor the gateway gave still pages on.
    expect((await list(`limit=5&cursor=${present(first.nextCursor, "the first page's cursor")}`)).status).to.equal(200);
  });

  it('sees a new project at once (the sorted list is kept only while the ledger does not grow)', async () => {
    const before = (await list('limit=1')).body.total;
    const platform = await t.client('platform', 'gz-etrading');
    await platform.registerProject({
      projectId: 'GZ-NEW',
      name: '新项目',
      category: 'roads',
      estimatedPrice: 10_000_000,
      depositAmount: 100_000,
      bidDeadline: t.time.iso(DAY),
      openingTime: t.time.iso(DAY),
      tenderDocSha256: sha256Hex('new'),
    });
    const after = await list('limit=1');
    expect(after.body.total).to.equal(before + 1);
    expect(after.body.projects[0]?.projectId).to.equal('GZ-NEW');
  });
});

describe('projectsByCategoryYear', () => {
  it('counts a category new this year from zero, lists one gone this year with 0, and leaves only a first year without a change', () => {
    const at = (year: number) => `${year}-03-01T00:00:00.000Z`;
    const report = projectsByCategoryYear([
      { category: 'roads', registeredAt: at(2025) },
      { category: 'roads', registeredAt: at(2025) },
      { category: 'land', registeredAt: at(2025) },
      { category: 'roads', registeredAt: at(2026) },
      { category: 'water-rights', registeredAt: at(2026) },
      { category: 'water-rights', registeredAt: at(2026) },
    ]);
    expect(report.rows).to.deep.include({ year: 2026, category: 'water-rights', projects: 2, change: 2 });
    expect(report.rows).to.deep.include({ year: 2026, category: 'land', projects: 0, change: -1 });
    expect(report.rows).to.deep.include({ year: 2026, category: 'roads', projects: 1, change: -1 });
    expect(report.rows).to.deep.include({ year: 2025, category: 'roads', projects: 2, change: null });
    expect(report.totals).to.deep.equal([
      { year: 2026, projects: 3, change: 0 },
      { year: 2025, projects: 3, change: null },
    ]);
  });
});
