import qrcode from 'qrcode-generator';
import {
  COMMITTEE_STEPS,
  SEALED_STEPS,
  documentHashes,
  isRedacted,
  type Actor,
  type LedgerRecord,
  type RecordView,
  type Step,
} from '@tender-ledger/domain';

/**
 * Who the parties are, in words: the trading centre that issues certificates and a directory of
 * display names. Keys may be a ledger client id (`platform::<issuer>::<sub>`), a caller key
 * (`<issuer>::<sub>`), a bare subject, an MSP id or a bidder id.
 */
export interface PartyDirectory {
  tradingCentreName: string;
  names: Readonly<Record<string, string>>;
}

/** Words in both page languages. */
export interface Bilingual {
  zh: string;
  en: string;
}

/** One line of a certificate: a label and its value (words, or text to show as it is). */
export interface CertificateFact {
  key: string;
  label: Bilingual;
  value: string | Bilingual;
  /** Hashes, ids and signatures: shown in full, monospaced where the medium allows. */
  mono?: boolean;
}

/** An evidence certificate (存证证明): what the PDF and the printable page both show. */
export interface Certificate {
  certificateNo: string;
  issuer: string;
  issuedAt: string;
  recordId: string;
  recordHash: string;
  facts: CertificateFact[];
  /** Why some facts are not shown yet (BL art. 22, IR art. 46), instead of blank fields. */
  notices: Bilingual[];
  /** The signed receipt, when the caller may see the whole record. */
  receipt?: string;
  verifyUrl: string;
  /**
   * The record's tlog-proof bundle (c2sp.org/tlog-proof: its leaf, the inclusion proof and a
   * witnessed checkpoint), when the gateway keeps a log and the caller may see the record.
   */
  proof?: string;
  /** The verify page with the bundle in the link (`#proof=`): the second QR code carries it, to check offline. */
  proofUrl?: string;
}

export const STEP_WORDS: Record<Step, Bilingual> = {
  ProjectRegistered: { zh: '项目登记', en: 'Project registration' },
  BidderRegistered: { zh: '投标报名', en: 'Bidder registration' },
  BidCommitted: { zh: '投标递交（密封）', en: 'Sealed bid submission' },
  BidWithdrawn: { zh: '撤回投标', en: 'Bid withdrawal' },
  CommitteeAppointed: { zh: '组建评标委员会（专家抽取）', en: 'Evaluation committee appointed (expert draw)' },
  CommitteeMemberReplaced: { zh: '更换评标专家', en: 'Committee member replaced' },
  BiddingClosed: { zh: '投标截止（截标）', en: 'Bidding closed' },
  BidsOpened: { zh: '开标', en: 'Bid opening' },
  TenderFailed: { zh: '流标', en: 'Failed tender' },
  ScoresRecorded: { zh: '评标打分', en: 'Evaluation scores' },
  BidAwarded: { zh: '定标', en: 'Award' },
  ContractSigned: { zh: '签订合同', en: 'Contract signed' },
  DepositReleased: { zh: '退还保证金', en: 'Deposit released' },
  DocumentNotarised: { zh: '文件存证', en: 'Document notarised' },
  BatchNotarised: { zh: '批量存证', en: 'Documents notarised in a batch' },
};

/** Document kinds in words; an unknown kind is shown as recorded. */
export const KIND_WORDS: Record<string, Bilingual> = {
  announcement: { zh: '招标公告', en: 'Tender announcement' },
  clarification: { zh: '澄清/修改文件', en: 'Clarification' },
  complaint: { zh: '投诉', en: 'Complaint' },
  archive: { zh: '归档文件', en: 'Archive' },
  contract: { zh: '合同', en: 'Contract' },
  notice: { zh: '通知书', en: 'Notice' },
  'award-notice': { zh: '中标通知书', en: 'Award notice' },
  'candidate-publicity': { zh: '中标候选人公示', en: 'Publication of candidates' },
  'tender-documents': { zh: '招标文件', en: 'Tender documents' },
  'bid-file': { zh: '投标文件', en: 'Bid file' },
  'evaluation-report': { zh: '评标报告', en: 'Evaluation report' },
};

export const DEPOSIT_FORM_WORDS: Record<string, Bilingual> = {
  cash: { zh: '现金', en: 'Cash' },
  guarantee: { zh: '银行保函', en: 'Bank guarantee letter' },
};

export function kindWords(kind: string): Bilingual {
  return KIND_WORDS[kind] ?? { zh: kind, en: kind };
}

/** Integer fen as yuan with grouping: 430000000 → "4,300,000.00 元". */
export function yuan(fen: number): Bilingual {
  const negative = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const text = `${negative ? '-' : ''}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
  return { zh: `${text} 元`, en: `CNY ${text}` };
}

/** Ledger time in Beijing time (UTC+8, no daylight saving), labelled, with the UTC instant. */
export function beijingTime(iso: string): Bilingual {
  const at = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString();
  const local = `${at.slice(0, 10)} ${at.slice(11, 19)}`;
  return { zh: `${local} 北京时间（UTC+8）；UTC ${iso}`, en: `${local} Beijing time (UTC+8); UTC ${iso}` };
}

/** The display name of a party id; `undefined` when the directory does not know it. */
export function knownName(directory: PartyDirectory, id: string): string | undefined {
  return directory.names[id];
}

/** A party by its name when known, else its id as recorded. */
export function partyName(directory: PartyDirectory, id: string): string {
  return directory.names[id] ?? id;
}

/**
 * The writer of a record in words. Tries the client id, then without its role prefix (the
 * caller key), then the bare subject, then the MSP; never shows a raw id when a name is known.
 */
export function actorName(directory: PartyDirectory, actor: Actor): string {
  const withoutRole = actor.clientId.replace(/^(platform|regulator)::/, '');
  const subject = withoutRole.split('::').at(-1) ?? withoutRole;
  const name = directory.names[actor.clientId] ?? directory.names[withoutRole] ?? directory.names[subject];
  if (name) return name;
  const organisation = directory.names[actor.mspId];
  return organisation ? `${organisation}（${subject}）` : `${subject} (${actor.mspId})`;
}

/** The file name a notarisation recorded in its metadata, when it did. */
export function documentName(record: RecordView): string | undefined {
  if (record.step !== 'DocumentNotarised') return undefined;
  const metadata = (record.payload as { metadata?: Record<string, string> }).metadata ?? {};
  return metadata.fileName ?? metadata.filename ?? metadata.name ?? metadata.title;
}

/** A certificate number that the same record always gets: date (Beijing) and the record id. */
export function certificateNumber(record: RecordView): string {
  const day = new Date(Date.parse(record.txTime) + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
  return `CZ-${day}-${record.recordId.slice(0, 16).toUpperCase()}`;
}

export const SEALED_NOTICE: Bilingual = {
  zh: '本记录属于尚未开标的项目。依《招标投标法》第二十二条，开标前不得透露投标人的名称、数量等情况；因此投标人、承诺哈希、保证金及其在哈希链中的位置暂不显示，开标后可查看。本证明所列账本时间、区块、交易编号和记录哈希现已可独立核验。',
  en: "This record belongs to a tender not yet opened. Under art. 22 of the Bidding Law nobody may learn who or how many have registered or bid before the opening, so the bidder, the commitment, the deposit and the record's place in the chain stay hidden until the bids are opened. The ledger time, block, transaction and record hash shown here can be checked independently now.",
};

export const MEMBERS_NOTICE: Bilingual = {
  zh: '依《招标投标法实施条例》第四十六条，评标委员会成员名单在中标结果确定前保密，故本证明暂不列出专家姓名。',
  en: 'Under art. 46 of the Implementing Regulations the committee members stay confidential until the result is decided, so no member is named here yet.',
};

export interface CertificateInput {
  record: RecordView;
  block?: { blockNumber: number; blockHash: string };
  project?: { name: string; category?: string };
  receipt?: string;
  verifyUrl: string;
  proof?: string;
  proofUrl?: string;
  issuedAt: Date;
}

/** Builds the certificate of a record as the caller may see it (a sealed record stays sealed). */
export function buildCertificate(directory: PartyDirectory, input: CertificateInput): Certificate {
  const { record } = input;
  const facts: CertificateFact[] = [];
  const add = (key: string, zh: string, en: string, value: string | Bilingual | undefined, mono = false) => {
    if (value !== undefined && value !== '') facts.push({ key, label: { zh, en }, value, ...(mono ? { mono } : {}) });
  };
  const notices: Bilingual[] = [];
  add(
    'project',
    '项目名称',
    'Project',
    input.project?.name ?? (record.projectId === null ? { zh: '（独立存证，不属于项目）', en: '(standalone, no project)' } : undefined),
  );
  add('projectId', '项目编号', 'Project number', record.projectId ?? undefined, true);
  add('category', '交易类别', 'Trading category', input.project?.category);
  add('step', '环节', 'Step', STEP_WORDS[record.step] ?? { zh: record.step, en: record.step });
  add('actor', '记录方', 'Recorded by', actorName(directory, record.actor));

  const sealed = isRedacted(record) && SEALED_STEPS.has(record.step);
  if (sealed) {
    notices.push(SEALED_NOTICE);
  } else {
    const p = record.payload as Record<string, unknown>;
    if (isRedacted(record) && COMMITTEE_STEPS.has(record.step)) notices.push(MEMBERS_NOTICE);
    switch (record.step) {
      case 'DocumentNotarised': {
        add('documentName', '文件名称', 'Document name', documentName(record));
        add('documentKind', '文件类型', 'Document kind', kindWords(typeof p.kind === 'string' ? p.kind : ''));
        break;
      }
      case 'ProjectRegistered': {
        const r = record as LedgerRecord<'ProjectRegistered'>;
        add('estimatedPrice', '估算价', 'Estimated price', yuan(r.payload.estimatedPrice));
        add('depositAmount', '投标保证金', 'Bid deposit', yuan(r.payload.depositAmount));
        add('bidDeadline', '投标截止时间', 'Bid deadline', beijingTime(r.payload.bidDeadline));
        add('openingTime', '开标时间', 'Opening time', beijingTime(r.payload.openingTime));
        break;
      }
      case 'BidderRegistered': {
        const r = record as LedgerRecord<'BidderRegistered'>;
        add('bidder', '投标人', 'Bidder', partyName(directory, r.payload.bidderId));
        add(
          'depositForm',
          '保证金形式',
          'Deposit form',
          DEPOSIT_FORM_WORDS[r.payload.deposit.form] ?? { zh: r.payload.deposit.form, en: r.payload.deposit.form },
        );
        add('depositPaid', '保证金金额', 'Deposit amount', yuan(r.payload.deposit.amount));
        break;
      }
      case 'BidCommitted':
      case 'BidWithdrawn':
      case 'ContractSigned': {
        add(
          'bidder',
          record.step === 'ContractSigned' ? '中标人' : '投标人',
          record.step === 'ContractSigned' ? 'Winner' : 'Bidder',
          partyName(directory, String(p.bidderId)),
        );
        break;
      }
      case 'BidAwarded': {
        const r = record as LedgerRecord<'BidAwarded'>;
        add('winner', '中标人', 'Winner', partyName(directory, r.payload.bidderId));
        add('price', '中标价', 'Award price', yuan(r.payload.price));
        add(
          'firstRanked',
          '是否排名第一',
          'First-ranked',
          r.payload.firstRanked
            ? { zh: '是', en: 'Yes' }
            : { zh: `否（理由：${r.payload.reason ?? ''}）`, en: `No (reason: ${r.payload.reason ?? ''})` },
        );
        break;
      }
      case 'BidsOpened': {
        const r = record as LedgerRecord<'BidsOpened'>;
        add('bids', '开标结果', 'Bids opened', {
          zh: r.payload.bids
            .map((b) => `${partyName(directory, b.bidderId)}：${b.outcome === 'VALID' ? `有效，${yuan(b.price ?? 0).zh}` : '无效'}`)
            .join('；'),
          en: r.payload.bids
            .map((b) => `${partyName(directory, b.bidderId)}: ${b.outcome === 'VALID' ? `valid, ${yuan(b.price ?? 0).en}` : 'invalid'}`)
            .join('; '),
        });
        break;
      }
      case 'DepositReleased': {
        const r = record as LedgerRecord<'DepositReleased'>;
        add('bidder', '投标人', 'Bidder', partyName(directory, r.payload.bidderId));
        add('released', '退还金额', 'Amount released', yuan(r.payload.amount + (r.payload.interest ?? 0)));
        break;
      }
      default:
        break;
    }
  }
  const subject = isRedacted(record) ? undefined : documentHashes(record)[0];
  add(
    'documentHash',
    record.step === 'BidCommitted' ? '投标承诺哈希' : '文件哈希（SHA-256）',
    record.step === 'BidCommitted' ? 'Bid commitment' : 'Document SHA-256',
    subject,
    true,
  );
  add('ledgerTime', '上链时间（账本时间）', 'Ledger time', beijingTime(record.txTime));
  add('blockNumber', '区块号', 'Block', input.block ? String(input.block.blockNumber) : undefined);
  add('blockHash', '区块哈希', 'Block hash', input.block?.blockHash, true);
  add('txId', '交易编号', 'Transaction', record.txId, true);
  add('recordId', '记录编号', 'Record id', record.recordId, true);
  add('recordHash', '记录哈希（SHA-256）', 'Record hash (SHA-256)', record.hash, true);
  add('prevHash', '前一记录哈希', 'Previous record hash', record.prevHash, true);
  return {
    certificateNo: certificateNumber(record),
    issuer: directory.tradingCentreName,
    issuedAt: input.issuedAt.toISOString(),
    recordId: record.recordId,
    recordHash: record.hash,
    facts,
    notices,
    ...(input.receipt ? { receipt: input.receipt } : {}),
    verifyUrl: input.verifyUrl,
    ...(input.proof && input.proofUrl ? { proof: input.proof, proofUrl: input.proofUrl } : {}),
  };
}

/**
 * The verify page's link carrying a proof bundle (`#proof=<base64url>`; a fragment never reaches
 * a server). For a 10-million-leaf log with three cosignatures the link is about 2.7 KB: it fits
 * one QR code at error correction level L (version 39), see {@link proofQr}.
 */
export function proofLink(verifyUrl: string, bundle: string): string {
  return `${verifyUrl}#proof=${Buffer.from(bundle, 'utf8').toString('base64url')}`;
}

/**
 * The QR code of a proof link: the lowest error correction (L) holds the most bytes (2,953 at
 * version 40), which a proof link needs; undefined when even that cannot hold it.
 */
export function proofQr(link: string): ReturnType<typeof qrcode> | undefined {
  try {
    const qr = qrcode(0, 'L');
    qr.addData(link, 'Byte');
    qr.make();
    return qr;
  } catch {
    return undefined;
  }
}

/** How anyone checks a certificate without trusting the platform. */
export const VERIFY_STEPS: Bilingual[] = [
  {
    zh: '扫描二维码或打开核验链接：核验页面在浏览器中检查回执签名，并向账本查询该记录、区块与哈希。',
    en: "Scan the QR code or open the link: the verify page checks the receipt's signature in the browser and asks the ledger for the record, its block and hash.",
  },
  {
    zh: '离线核验回执：tender receipt verify <回执>，以公布的 JWKS（/.well-known/jwks.json）核对 ES256 签名。',
    en: 'Offline: tender receipt verify <receipt> checks the ES256 signature against the published JWKS (/.well-known/jwks.json).',
  },
  {
    zh: '记录哈希 = SHA-256（RFC 8785 规范化 JSON，去掉 hash 字段的记录）；文件哈希可用 sha256sum 自行计算比对。',
    en: "Record hash = SHA-256 of the RFC 8785 canonical JSON of the record without its hash; a document's hash can be recomputed with sha256sum.",
  },
];

/** The step a certificate carrying a proof adds (after the first). */
export const PROOF_STEP: Bilingual = {
  zh: '离线核验收录证明：第二个二维码（离线核验码）携带该记录的透明日志收录证明（c2sp.org/tlog-proof）及见证方联署的检查点，核验页面在浏览器中离线核对；也可用 tender proof verify <文件> --policy <策略> 核验。',
  en: "Offline inclusion proof: the second QR code (offline proof) carries the record's transparency-log inclusion proof (c2sp.org/tlog-proof) and a checkpoint cosigned by the witnesses; the verify page checks it in the browser, offline; or tender proof verify <file> --policy <policy>.",
};
