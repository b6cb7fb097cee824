// Bundles tests/conformance.ts for Node with esbuild and runs it: writes
// documents made by the domain module to the folder given, for the Rust
// validator (tests/tests/field_conformance.rs).

import { build } from "esbuild";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const out = process.argv[2];
if (!out) throw new Error("usage: node scripts/conformance.mjs OUT_DIR");
const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = `${out}/conformance.mjs`;
await build({
  entryPoints: [`${root}tests/conformance.ts`],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: bundle,
  logLevel: "warning",
});
process.env.AUTOMERGE_WASM = createRequire(import.meta.url).resolve(
  "@automerge/automerge/automerge.wasm",
);
await import(pathToFileURL(bundle).href);
