// Bundles tests/rule-cases.ts for Node with esbuild and runs it on
// docs/schema/rule-cases.json: every domain rule case through the app's
// TypeScript port (tests/tests/field_documents.rs). An optional argument
// names another cases file.

import { build } from "esbuild";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cases = process.argv[2] ?? join(root, "../docs/schema/rule-cases.json");
const out = await mkdtemp(join(tmpdir(), "field-rule-cases-"));
const bundle = join(out, "rule-cases.mjs");
try {
  await build({
    entryPoints: [join(root, "tests/rule-cases.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    logLevel: "warning",
  });
  process.argv[2] = cases;
  await import(pathToFileURL(bundle).href);
} finally {
  await rm(out, { recursive: true, force: true });
}
