// The lint gate: typescript-eslint's strict type-aware rules (strictTypeChecked) over every workspace's TypeScript
// (sources, tests and the web pages). `npm run lint` (and so `npm test`) fails on any warning.
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Build output, the bundler script and the plain-JS examples are not ours to type-check.
  { ignores: ['**/dist/**', '**/node_modules/**', 'network/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  comments.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Every eslint-disable says why, on the same line.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      // A `let` that closures read before its one assignment (signal handlers, metrics) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // A switch over a union names every case or says what the rest do with a default.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Off: many values it calls impossible come from bytes cast to a type (stored blocks, backend answers);
      // their defensive checks are what keeps a damaged store or a bad answer from crashing, so they stay.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Off: async methods here implement Promise-returning interfaces (ChaincodeStub, the contract's
      // beforeTransaction, Backend); being async turns a synchronous throw into the rejection callers expect.
      '@typescript-eslint/require-await': 'off',
      // Numbers may stand in a template: a number formats unambiguously (recommendedTypeChecked allows it too).
      // Everything else the strict setting refuses stays refused: `undefined`, `null`, objects and booleans
      // print as "undefined", "[object Object]" and the like into messages, so they are formatted by hand.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: false,
          allowBoolean: false,
          allowNever: false,
          allowNullish: false,
          allowRegExp: false,
          allowNumber: true,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Off in tests: fixtures and response texts are parsed to `any` on purpose, and chai's assertions check them.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['*/src/**/*.ts', 'gateway/web/src/**/*.ts'],
    ignores: ['test/**'],
    rules: {
      // Anything parsed from outside is checked against its schema, never cast.
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression > CallExpression[callee.object.name='JSON'][callee.property.name='parse']",
          message: 'Parse with the schema (Value.Check / schemaErrors), not JSON.parse(...) as T.',
        },
      ],
    },
  },
  {
    // The SDK is a client and nothing more: what the services share with it (roles, receipts,
    // record and hash rules, Merkle code) lives in domain, trust or tlog.
    files: [
      'gateway/src/**/*.ts',
      'witness/src/**/*.ts',
      'ledger/src/**/*.ts',
      'chaincode/src/**/*.ts',
      'trust/src/**/*.ts',
      'tlog/src/**/*.ts',
      'domain/src/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tender-ledger/client-sdk', '@tender-ledger/client-sdk/*'],
              message: 'The SDK is a client: take shared definitions from domain, trust or tlog.',
            },
          ],
        },
      ],
    },
  },
  {
    // Files that still hold `JSON.parse(...) as T`.
    // Exempt for good: the ledger's and the contract's own reads of bytes the same code wrote and
    // only it writes (blocks, the durable head, world state). They are not a trust boundary: the
    // contract checked every value before writing it, and damage to the store is what the hash
    // chain checks in ledger/src/verify.ts find (LEDGER_DAMAGED), not what a schema would.
    // Everything else parses with a schema: the contract's answers (LEDGER_ANSWERS, checked by the
    // gateway since on Fabric they come from a peer), the SDK's HTTP answers, the files an operator
    // or a user hands over (key files, JWKS, the Fabric connection, evidence packages, proof
    // bundles), the idempotency store's entries read back after a crash.
    files: ['ledger/src/*.ts', 'chaincode/src/state.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
