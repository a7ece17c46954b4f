// After typedoc: every export of src/index.ts has a doc comment with an @example (typedoc's
// validation.notDocumented only asks for a comment). Reads the JSON typedoc wrote.
import { readFileSync } from 'node:fs';

const api = JSON.parse(readFileSync(new URL('dist/docs/api.json', import.meta.url), 'utf8'));
const hasExample = (comment) => comment?.blockTags?.some((tag) => tag.tag === '@example') ?? false;
const missing = api.children
  .filter((r) => !hasExample(r.comment) && !(r.signatures ?? []).some((s) => hasExample(s.comment)))
  .map((r) => r.name);
if (missing.length > 0) {
  console.error(`exports without an @example: ${missing.join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`${api.children.length} exports, each documented with an example`);
}
