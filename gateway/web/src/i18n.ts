export type Lang = 'zh' | 'en';

const zh = {
  title: '公共资源交易存证',
  navVerify: '核验', navBidder: '投标人', navRegulator: '监管', switchLang: 'English',
  verifyHeading: '核验文件或回执',
  verifyIntro: '文件只在您的浏览器中计算哈希，不会上传。',
  dropHere: '把文件拖到这里，或点击选择文件', chooseFile: '选择文件',
  hashing: '正在计算 SHA-256', fileHash: '文件 SHA-256',
  foundRecords: (n: number) => `账本上有 ${n} 条该哈希的记录`,
  notFound: '账本上没有这个文件的任何记录。',
  receiptHeading: '核验回执', receiptLabel: '粘贴回执（JWS）', verifyReceipt: '核验回执',
  checkSignature: '签名有效（网关公钥）', checkOnLedger: '记录在账本上', checkUnchanged: '记录未被改动', checkBlock: '区块号与区块哈希一致',
  receiptValid: '回执有效：以下各项均已通过。', receiptInvalid: '回执无效：未通过的检查如下。',
  sealedNote: '该项目尚未开标，投标人信息按法律保密。',
  colTime: '账本时间', colProject: '项目', colStep: '环节', colRecordHash: '记录哈希', colBlock: '区块', colCertificate: '存证证明',
  standalone: '（独立存证）', viewCertificate: '查看证明',
  certificateHeading: '存证证明', certificateIntro: '本证明所列记录已写入区块链账本，任何人可扫码或访问核验页面独立核验。',
  recordId: '记录编号', step: '环节', project: '项目', ledgerTime: '账本时间', recordHash: '记录哈希', prevHash: '前一记录哈希',
  txId: '交易编号', blockNumber: '区块号', blockHash: '区块哈希', documentHash: '文件/承诺哈希', actor: '记录方', print: '打印 / 保存为 PDF',
  scanToVerify: '扫码核验', recordMissing: '没有这条记录。', certificateNo: '证明编号', issuedBy: '出具机构', downloadPdf: '下载 PDF 证明',
  signInHeading: '登录', tokenLabel: '粘贴访问令牌（与 API 相同）', signIn: '登录', signOut: '退出', signedInAs: (role: string, sub: string) => `已登录：${role} ${sub}`,
  wrongRole: (role: string) => `此页面需要${role}令牌。`,
  bidderHeading: '我的投标', noBids: '暂无投标记录。', commitment: '承诺哈希', committedAt: '递交时间', receipt: '回执', verifyThis: '核验此回执',
  superseded: '已被后续承诺取代', current: '当前有效', withdrawn: '已撤回',
  downloadReceipt: '下载回执', guarantee: '银行保函', paid: '已交', yuanUnit: '元', released: '已退还', interest: '含利息', notReleased: '保证金尚未退还',
  notRegistered: '未报名', bidDeadline: '投标截止时间', openingTime: '开标时间', registration: '投标报名', deposit: '保证金', opening: '开标', award: '定标', contract: '合同',
  bidValid: '已开标，投标有效', bidInvalid: (why: string) => `已开标，投标无效（${why === 'NOT_REVEALED' ? '未解密' : '解密内容与承诺不符'}）`, tenderFailed: '流标（不足三家）', notOpenedYet: '尚未开标',
  youWon: '中标', awardedToAnother: '他人中标', noAwardYet: '尚未定标', noContractYet: '尚未签订合同', commitmentsHeading: '投标承诺',
  tokenExpired: '登录令牌已不能使用（已过期或无法读取），请粘贴新的令牌。', tokenRefused: '令牌无效：网关拒绝了它（签名、签发方或有效期不符）。请粘贴新的令牌。',
  localCheckHeading: '本地核对（不上传）', localCheckIntro: '选择投标文件并填写报价（分）和盐值，确认开标时将打开的正是当初密封的内容。',
  bidFile: '投标文件', price: '报价（分，整数）', salt: '盐值（十六进制）', checkLocally: '核对',
  localMatch: '一致：该文件、报价和盐值生成的承诺与账本记录相同。', localMismatch: '不一致：生成的承诺与账本上的任何承诺都不同。',
  searchPlaceholder: '项目编号或名称', search: '搜索', searchButton: '查询', owner: '交易平台（项目方）', more: '加载更多',
  projectCount: (shown: number, total: number) => `显示 ${shown} / 共 ${total} 个项目`, awaitingOpening: '待开标（已截止）',
  overdueTab: (n: number) => `逾期保证金（${n}）`, reportTab: '年度统计', newThisYear: '新增类别', evidencePackage: '下载证据包（zip）',
  regulatorHeading: '监管视图', projects: '项目', filterCategory: '类别', filterStatus: '状态', all: '全部',
  colName: '名称', colCategory: '类别', colStatus: '状态', colRegistered: '登记时间', openTrail: '查看时间线',
  trailHeading: (id: string) => `项目 ${id} 的全过程`, chainOk: '哈希链完整', chainBroken: '哈希链断裂！',
  overdueHeading: '逾期未退保证金（合同签订或撤回后 5 日）', noOverdue: '没有逾期保证金。',
  colBidder: '投标人', colAmount: '金额（元）', colDueBy: '应退日期', colDaysOverdue: '逾期天数', colBasis: '依据',
  reportHeading: '各类别年度项目数', colYear: '年份', colProjects: '项目数', colChange: '同比变化', total: '合计',
  status: { bidding: '投标中', failed: '流标', opened: '已开标', awarded: '已定标', contracted: '已签约' } as Record<string, string>,
  basis: { contract: '合同签订', withdrawal: '撤回投标', failedTender: '流标', award: '定标' } as Record<string, string>,
  steps: {
    ProjectRegistered: '项目登记', BidderRegistered: '投标报名', BidCommitted: '投标递交（密封）', BidWithdrawn: '撤回投标',
    CommitteeAppointed: '组建评标委员会（专家抽取）', CommitteeMemberReplaced: '更换评标专家',
    BidsOpened: '开标', TenderFailed: '流标', ScoresRecorded: '评标打分', BidAwarded: '定标', ContractSigned: '签订合同',
    BiddingClosed: '投标截止',
    DepositReleased: '退还保证金', DocumentNotarised: '文件存证',
  } as Record<string, string>,
  roles: { platform: '交易平台', regulator: '监管', bidder: '投标人' } as Record<string, string>,
  cash: '现金', replacedBy: '更换为', membersHidden: '评标委员会名单在中标结果确定前保密',
  error: '出错了：',
};

type Strings = typeof zh;

const en: Strings = {
  title: 'Public-resource trading evidence',
  navVerify: 'Verify', navBidder: 'Bidder', navRegulator: 'Regulator', switchLang: '中文',
  verifyHeading: 'Verify a file or a receipt',
  verifyIntro: 'The file is hashed in your browser and never uploaded.',
  dropHere: 'Drop a file here, or click to choose one', chooseFile: 'Choose a file',
  hashing: 'Computing SHA-256', fileHash: 'File SHA-256',
  foundRecords: (n: number) => `The ledger holds ${n} record${n === 1 ? '' : 's'} of this hash`,
  notFound: 'This file has never been recorded on the ledger.',
  receiptHeading: 'Verify a receipt', receiptLabel: 'Paste a receipt (JWS)', verifyReceipt: 'Verify receipt',
  checkSignature: 'Signature valid (gateway key)', checkOnLedger: 'Record is on the ledger', checkUnchanged: 'Record unchanged', checkBlock: 'Block number and hash match',
  receiptValid: 'The receipt is valid: every check passed.', receiptInvalid: 'The receipt is NOT valid: see the checks that failed.',
  sealedNote: 'This tender is not yet opened: bidder details stay sealed by law.',
  colTime: 'Ledger time', colProject: 'Project', colStep: 'Step', colRecordHash: 'Record hash', colBlock: 'Block', colCertificate: 'Certificate',
  standalone: '(standalone)', viewCertificate: 'View certificate',
  certificateHeading: 'Evidence certificate', certificateIntro: 'The record below is on the blockchain ledger; anyone can check it by scanning the code or opening the verify page.',
  recordId: 'Record id', step: 'Step', project: 'Project', ledgerTime: 'Ledger time', recordHash: 'Record hash', prevHash: 'Previous record hash',
  txId: 'Transaction id', blockNumber: 'Block', blockHash: 'Block hash', documentHash: 'Document / commitment hash', actor: 'Recorded by', print: 'Print / save as PDF',
  scanToVerify: 'Scan to verify', recordMissing: 'No such record.', certificateNo: 'Certificate No.', issuedBy: 'Issued by', downloadPdf: 'Download the PDF certificate',
  signInHeading: 'Sign in', tokenLabel: 'Paste an access token (the same as for the API)', signIn: 'Sign in', signOut: 'Sign out', signedInAs: (role: string, sub: string) => `Signed in: ${role} ${sub}`,
  wrongRole: (role: string) => `This page needs a ${role} token.`,
  bidderHeading: 'My bids', noBids: 'No bids yet.', commitment: 'Commitment', committedAt: 'Submitted', receipt: 'Receipt', verifyThis: 'Verify this receipt',
  superseded: 'superseded by a later commitment', current: 'current', withdrawn: 'withdrawn',
  downloadReceipt: 'Download receipt', guarantee: 'bank guarantee letter', paid: 'paid', yuanUnit: 'yuan', released: 'released', interest: 'interest', notReleased: 'deposit not yet released',
  notRegistered: 'not registered', bidDeadline: 'Bid deadline', openingTime: 'Opening time', registration: 'Registration', deposit: 'Deposit', opening: 'Opening', award: 'Award', contract: 'Contract',
  bidValid: 'opened, bid valid', bidInvalid: (why: string) => `opened, bid invalid (${why === 'NOT_REVEALED' ? 'not revealed' : 'reveal does not match the commitment'})`, tenderFailed: 'failed tender (fewer than 3 bids)', notOpenedYet: 'not opened yet',
  youWon: 'won', awardedToAnother: 'awarded to another bidder', noAwardYet: 'no award yet', noContractYet: 'no contract yet', commitmentsHeading: 'Bid commitments',
  tokenExpired: 'Your token can no longer be used (expired or unreadable): paste a new one.', tokenRefused: 'Token refused by the gateway (signature, issuer or lifetime): paste a new one.',
  localCheckHeading: 'Local check (nothing uploaded)', localCheckIntro: 'Choose the bid file and give the price (fen) and salt, to confirm that what will be opened is what was sealed.',
  bidFile: 'Bid file', price: 'Price (integer fen)', salt: 'Salt (hex)', checkLocally: 'Check',
  localMatch: 'Match: this file, price and salt give the commitment on the ledger.', localMismatch: 'No match: the commitment they give is not on the ledger.',
  searchPlaceholder: 'Project number or name', search: 'Search', searchButton: 'Search', owner: 'Platform (owner)', more: 'Load more',
  projectCount: (shown: number, total: number) => `Showing ${shown} of ${total} projects`, awaitingOpening: 'Awaiting opening (deadline passed)',
  overdueTab: (n: number) => `Overdue deposits (${n})`, reportTab: 'Yearly report', newThisYear: 'new category', evidencePackage: 'Download the evidence package (zip)',
  regulatorHeading: 'Supervision', projects: 'Projects', filterCategory: 'Category', filterStatus: 'Status', all: 'All',
  colName: 'Name', colCategory: 'Category', colStatus: 'Status', colRegistered: 'Registered', openTrail: 'Timeline',
  trailHeading: (id: string) => `Timeline of project ${id}`, chainOk: 'Hash chain intact', chainBroken: 'Hash chain BROKEN!',
  overdueHeading: 'Deposits overdue (5 days after the contract or a withdrawal)', noOverdue: 'No overdue deposits.',
  colBidder: 'Bidder', colAmount: 'Amount (yuan)', colDueBy: 'Due by', colDaysOverdue: 'Days overdue', colBasis: 'Due after',
  reportHeading: 'Projects per category per year', colYear: 'Year', colProjects: 'Projects', colChange: 'Year-on-year', total: 'Total',
  status: { bidding: 'Bidding', failed: 'Failed (流标)', opened: 'Opened', awarded: 'Awarded', contracted: 'Contracted' },
  basis: { contract: 'contract signed', withdrawal: 'bid withdrawn', failedTender: 'tender failed', award: 'award' },
  steps: {
    ProjectRegistered: 'Project registered', BidderRegistered: 'Bidder registered', BidCommitted: 'Sealed bid submitted', BidWithdrawn: 'Bid withdrawn',
    CommitteeAppointed: 'Evaluation committee appointed', CommitteeMemberReplaced: 'Committee member replaced',
    BidsOpened: 'Bids opened', TenderFailed: 'Tender failed', ScoresRecorded: 'Scores recorded', BidAwarded: 'Award', ContractSigned: 'Contract signed',
    BiddingClosed: 'Bidding closed',
    DepositReleased: 'Deposit released', DocumentNotarised: 'Document notarised',
  },
  roles: { platform: 'platform', regulator: 'regulator', bidder: 'bidder' },
  cash: 'cash', replacedBy: 'replaced by', membersHidden: 'committee members stay confidential until the result is decided',
  error: 'Something went wrong: ',
};

const dictionaries: Record<Lang, Strings> = { zh, en };

export function currentLang(): Lang {
  return localStorage.getItem('lang') === 'en' ? 'en' : 'zh';
}

export function setLang(lang: Lang): void {
  localStorage.setItem('lang', lang);
}

export function t(): Strings {
  return dictionaries[currentLang()];
}
