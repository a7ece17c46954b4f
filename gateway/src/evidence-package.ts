import { createHash } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { JSONWebKeySet } from 'jose';
import { commitmentsRoot } from '@tender-ledger/tlog';
import { checkChain, EVIDENCE_PACKAGE_FORMAT, type EvidenceManifest, type LedgerRecord } from '@tender-ledger/domain';

/** The format named in every package's manifest; `tender package verify` reads this one. */
export const PACKAGE_FORMAT = EVIDENCE_PACKAGE_FORMAT;

/** One record with what proves it: its signed receipt and its certificate as PDF. */
export interface PackagedRecord {
  record: LedgerRecord;
  receipt: string;
  certificatePdf: Uint8Array;
}

export interface EvidencePackageInput {
  projectId: string;
  projectName?: string;
  issuer: string;
  createdAt: Date;
  /** Who asked, in words (the package says whose view it is). */
  requestedBy: { role: string; sub: string };
  /** `trail`: every record of the project; `bidder`: only that bidder's own records. */
  scope: { kind: 'trail' } | { kind: 'bidder'; bidderId: string };
  records: PackagedRecord[];
  jwks: JSONWebKeySet;
  /** The gateway's check of the whole chain (for a bidder's package it read the whole trail to check it). */
  chainValid: boolean;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const GUIDE = (input: EvidencePackageInput) => `# 证据包核验说明 / How to verify this evidence package

项目 Project: ${input.projectId}${input.projectName ? ` ${input.projectName}` : ''}
出具 Issued by: ${input.issuer}, ${input.createdAt.toISOString()} (UTC)
范围 Scope: ${input.scope.kind === 'trail' ? '项目全部记录 / every record of the project' : `投标人 ${input.scope.bidderId} 本人的记录 / the records of bidder ${input.scope.bidderId} only`}

## 中文

本包内容：records/（账本记录原文，JSON）、receipts/（每条记录的签名回执，JWS ES256）、
certificates/（存证证明 PDF）、jwks.json（签发回执的公钥）、chain-check.json（哈希链核验结果）、
manifest.json（每个文件的 SHA-256）。

离线核验：\`tender package verify <本文件.zip>\`。它不联网，逐条检查：文件与清单的 SHA-256 一致；
回执签名可由包内 JWKS 验证，且回执所指记录编号、记录哈希、交易编号与记录一致；
记录哈希 = SHA-256（RFC 8785 规范化 JSON，去掉 hash 字段）；相邻记录的 prevHash 链接一致。
任一项不符即指出是哪条记录，并以非零状态退出。

对照《人民法院在线诉讼规则》第十七条的四点，本包能说明的和不能说明的：
1. 存证平台是否符合国家有关部门关于提供区块链存证服务的相关规定：本包不能证明，需另附平台的备案与资质材料。
2. 当事人与存证平台是否存在利害关系、是否利用技术手段干预数据：本包不能证明利害关系；
   但回执签名、记录哈希和哈希链使任何事后改动都可被发现（签名密钥由平台持有，公钥在包内及 /.well-known/jwks.json 公布；
   监管机构的节点参与背书时，单一平台无法独自改写账本）。
3. 存证平台的信息系统是否符合清洁性、安全性、可靠性、可用性的国家标准或行业标准：本包不能证明；
   本系统未取得 SF/T 0076-2020、GB/T 43580-2023 的评测认证，也未使用 GB/T 20520 可信时间戳。
4. 存证技术和核验方法是否符合数据完整性、真实性、可靠性等要求：本包能让任何人独立复核完整性（SHA-256、
   RFC 8785、ES256、哈希链），方法全部公开；账本时间由账本交易时间决定，并非由提交方声称。
   上链之前数据是否真实（第十八条）另需来源证明。

## English

Contents: records/ (the ledger records, JSON), receipts/ (a signed receipt per record, JWS ES256),
certificates/ (evidence certificates as PDF), jwks.json (the keys that signed the receipts),
chain-check.json (the hash-chain check), manifest.json (the SHA-256 of every file).

Check it offline with \`tender package verify <this file.zip>\`: no network; for each record it checks
that every file matches the manifest, that the receipt's signature verifies against the packaged JWKS and
names this record's id, hash and transaction, that the record hash is SHA-256 of the RFC 8785 canonical
JSON of the record without its hash, and that consecutive records link by prevHash. Any failure names the
record and the command exits non-zero.

What this package shows against the four points of art. 17 of the Online Litigation Rules of the People's Courts:
1. Whether the platform complies with the rules on blockchain evidence services: not shown here; the
   platform's filings and qualifications must be added.
2. Any interest between a party and the platform, or interference by technical means: an interest is not
   shown here; but the receipts' signatures, record hashes and chain make any later change detectable (the
   platform holds the signing key; its public keys are in this package and at /.well-known/jwks.json; with the
   regulator's peer endorsing, one platform alone cannot rewrite the ledger).
3. Whether the system meets national or industry standards: not shown; this system has not been assessed
   against SF/T 0076-2020 or GB/T 43580-2023 and uses no GB/T 20520 trusted timestamp.
4. Whether the technique and verification method keep data complete, authentic and reliable: anyone can
   re-check integrity independently (SHA-256, RFC 8785, ES256, the hash chain) by published methods; times
   are the ledger's transaction times, not a submitter's claim. Authenticity before the data went on the
   ledger (art. 18) needs its own proof of source.
`;

/** Builds the zip: records, receipts, certificates, JWKS, chain check, guide and a manifest of SHA-256s. */
export function buildEvidencePackage(input: EvidencePackageInput): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const records = [...input.records].sort((a, b) => a.record.seq - b.record.seq);
  records.forEach(({ record, receipt, certificatePdf }, i) => {
    const name = `${String(i + 1).padStart(4, '0')}-${record.step}-${record.recordId.slice(0, 16)}`;
    files[`records/${name}.json`] = strToU8(`${JSON.stringify(record, null, 2)}\n`);
    files[`receipts/${name}.jws`] = strToU8(`${receipt}\n`);
    files[`certificates/${name}.pdf`] = certificatePdf;
  });
  files['jwks.json'] = strToU8(`${JSON.stringify(input.jwks, null, 2)}\n`);
  const offline =
    input.scope.kind === 'trail'
      ? checkChain(
          records.map((r) => r.record),
          commitmentsRoot,
        )
      : undefined;
  files['chain-check.json'] = strToU8(
    `${JSON.stringify(
      {
        projectId: input.projectId,
        scope: input.scope.kind,
        records: records.length,
        gatewayCheckedWholeChain: input.chainValid,
        ...(offline
          ? { packagedChain: offline }
          : { note: "a bidder's package holds only its own records: links are rechecked offline between consecutive records only" }),
      },
      null,
      2,
    )}\n`,
  );
  files['README-verify.md'] = strToU8(GUIDE(input));
  const manifest: EvidenceManifest = {
    format: PACKAGE_FORMAT,
    projectId: input.projectId,
    ...(input.projectName ? { projectName: input.projectName } : {}),
    issuer: input.issuer,
    createdAt: input.createdAt.toISOString(),
    requestedBy: input.requestedBy,
    scope: input.scope,
    files: Object.entries(files).map(([path, bytes]) => ({ path, sha256: sha256(bytes), bytes: bytes.length })),
  };
  const zip: Zippable = { 'manifest.json': strToU8(`${JSON.stringify(manifest, null, 2)}\n`) };
  for (const [path, bytes] of Object.entries(files)) zip[path] = [bytes, { level: path.endsWith('.pdf') ? 0 : 6 }];
  return zipSync(zip, { mtime: input.createdAt });
}
