import { fail } from './bytes.js';
import { pureEd25519, type Ed25519 } from './ed25519.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519, parseVerifierKey, type NoteVerifier } from './note.js';

/**
 * Which logs and witnesses a verifier trusts, and how many witnesses must have cosigned a
 * checkpoint: the C2SP tlog-policy text format (`log`, `witness`, `group`, `quorum` lines;
 * URLs are accepted and ignored, since verification is offline).
 *
 * @example
 * const policy = parsePolicy(`
 *   log tender-ledger.example/log+1a2b3c4d+AT...
 *   witness regulator w.regulator.example+5e6f7a8b+BP...
 *   witness notary w.notary.example+...
 *   witness centre2 w.centre2.example+...
 *   group two-of-three 2 regulator notary centre2
 *   quorum two-of-three
 * `);
 */
export interface TlogPolicy {
  /** Trusted log keys (type 0x01); a log's key name is its origin. */
  readonly logs: readonly NoteVerifier[];
  /** Trusted witness keys (type 0x04) by their name in the policy. */
  readonly witnesses: ReadonlyMap<string, NoteVerifier>;
  readonly quorum: QuorumRule;
}

export type QuorumRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'witness'; readonly name: string }
  | { readonly kind: 'group'; readonly name: string; readonly threshold: number; readonly members: readonly QuorumRule[] };

export interface PolicyOptions {
  readonly ed25519?: Ed25519;
}

/** Parses a tlog-policy text; refuses anything out of the format with TLOG_KEY_MALFORMED. */
export function parsePolicy(text: string, options: PolicyOptions = {}): TlogPolicy {
  const ed = options.ed25519 ?? pureEd25519;
  const logs: NoteVerifier[] = [];
  const witnesses = new Map<string, NoteVerifier>();
  const rules = new Map<string, QuorumRule>();
  const seenKeys = new Set<string>();
  let quorum: QuorumRule | undefined;
  const keyOnce = (v: NoteVerifier, where: string): void => {
    const k = Array.from(v.publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
    if (seenKeys.has(k)) fail('TLOG_KEY_MALFORMED', `${where}: the same public key is listed twice`);
    seenKeys.add(k);
  };
  text.split('\n').forEach((raw, n) => {
    const where = `policy line ${n + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [keyword, ...args] = line.split(/[ \t]+/);
    switch (keyword) {
      case 'log': {
        const [vkey] = args;
        if (vkey === undefined || args.length > 2) fail('TLOG_KEY_MALFORMED', `${where}: log <vkey> [<url>]`);
        const v = parseVerifierKey(vkey, ed);
        if (v.type !== SIG_ED25519) fail('TLOG_KEY_MALFORMED', `${where}: a log key is an Ed25519 (0x01) key`);
        keyOnce(v, where);
        logs.push(v);
        return;
      }
      case 'witness': {
        const [name, vkey] = args;
        if (name === undefined || vkey === undefined || args.length > 3)
          fail('TLOG_KEY_MALFORMED', `${where}: witness <name> <vkey> [<url>]`);
        if (name === 'none' || rules.has(name)) fail('TLOG_KEY_MALFORMED', `${where}: the name ${name} is taken`);
        const v = parseVerifierKey(vkey, ed);
        if (v.type !== SIG_COSIGNATURE_V1) fail('TLOG_KEY_MALFORMED', `${where}: a witness key is a cosignature/v1 (0x04) key`);
        keyOnce(v, where);
        witnesses.set(name, v);
        rules.set(name, { kind: 'witness', name });
        return;
      }
      case 'group': {
        if (args.length < 3) fail('TLOG_KEY_MALFORMED', `${where}: group <name> <threshold> <member>...`);
        const [name, thresholdText, ...memberNames] = args as [string, string, ...string[]];
        if (name === 'none' || rules.has(name)) fail('TLOG_KEY_MALFORMED', `${where}: the name ${name} is taken`);
        if (new Set(memberNames).size !== memberNames.length) fail('TLOG_KEY_MALFORMED', `${where}: a member is listed twice`);
        const members = memberNames.map((m) => rules.get(m) ?? fail('TLOG_KEY_MALFORMED', `${where}: ${m} is not defined above`));
        const threshold =
          thresholdText === 'any'
            ? 1
            : thresholdText === 'all'
              ? members.length
              : /^[1-9][0-9]*$/.test(thresholdText)
                ? Number(thresholdText)
                : 0;
        if (threshold < 1 || threshold > members.length) fail('TLOG_KEY_MALFORMED', `${where}: bad threshold ${thresholdText}`);
        rules.set(name, { kind: 'group', name, threshold, members });
        return;
      }
      case 'quorum': {
        const [name] = args;
        if (name === undefined || args.length !== 1 || quorum !== undefined) fail('TLOG_KEY_MALFORMED', `${where}: one quorum <name> line`);
        quorum =
          name === 'none' ? { kind: 'none' } : (rules.get(name) ?? fail('TLOG_KEY_MALFORMED', `${where}: ${name} is not defined above`));
        return;
      }
      default:
        fail('TLOG_KEY_MALFORMED', `${where}: unknown keyword ${keyword ?? ''}`);
    }
  });
  if (quorum === undefined) fail('TLOG_KEY_MALFORMED', 'a policy has a quorum line');
  return { logs, witnesses, quorum };
}

/**
 * The common case as a policy text: one or more log keys, the witnesses' keys, and how many
 * of them must cosign (k of n).
 */
export function formatPolicy(options: { logs: readonly string[]; witnesses: readonly string[]; threshold: number }): string {
  const witnessName = (i: number) => `w${i + 1}`;
  const names = options.witnesses.map((_, i) => witnessName(i));
  const lines = [...options.logs.map((v) => `log ${v}`), ...options.witnesses.map((v, i) => `witness ${witnessName(i)} ${v}`)];
  if (options.threshold === 0) lines.push('quorum none');
  else lines.push(`group quorum-group ${options.threshold} ${names.join(' ')}`, 'quorum quorum-group');
  return `${lines.join('\n')}\n`;
}

/** Whether the witnesses (by policy name) that validly cosigned satisfy the rule. */
export function quorumMet(rule: QuorumRule, cosigned: ReadonlySet<string>): boolean {
  switch (rule.kind) {
    case 'none':
      return true;
    case 'witness':
      return cosigned.has(rule.name);
    case 'group': {
      let count = 0;
      for (const m of rule.members) if (quorumMet(m, cosigned)) count += 1;
      return count >= rule.threshold;
    }
  }
}
