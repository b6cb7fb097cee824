// Builds the field app into dist/, which the server compiles in and serves
// at /field/ (no Node at run time): the bundled app (esbuild, from the
// pinned packages of package-lock.json), Automerge's wasm, and the static
// files. `--check` builds into a scratch folder and exits 1 when the
// committed dist/ differs from a rebuild.

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const check = process.argv.includes("--check");
const out = check ? await mkdtemp(join(tmpdir(), "field-dist-")) : join(root, "dist");

// Only the slim builds: the wasm is loaded from its own file, not inlined
// as base64 (the network adapter imports the full entry points).
const slim = {
  name: "automerge-slim",
  setup(b) {
    b.onResolve({ filter: /^@automerge\/automerge(-repo)?$/ }, (args) => ({
      path: require.resolve(`${args.path}/slim`, { paths: [root] }),
    }));
  },
};

// The app, with its own version (`__APP_VERSION__`, reported when it
// enrols and syncs) built in.
const buildApp = (version) =>
  build({
    entryPoints: [join(root, "src/main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    outfile: join(out, "app.js"),
    plugins: [slim],
    define: {
      "process.env.NODE_ENV": '"production"',
      global: "globalThis",
      __APP_VERSION__: JSON.stringify(version),
    },
    logLevel: "warning",
  });

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// First without a version: the digest below is taken of this build.
await buildApp("unversioned");
await copyFile(require.resolve("@automerge/automerge/automerge.wasm"), join(out, "automerge.wasm"));
for (const file of await readdir(join(root, "static"))) {
  await copyFile(join(root, "static", file), join(out, file));
}
// The app's version: a digest of everything built (the app as built
// without its version), sent when it enrols and syncs, so the console can
// tell which version a device runs. The app is then rebuilt with it; the
// service worker caches exactly these files under that version.
const built = (await readdir(out)).sort();
const digest = createHash("sha256");
for (const file of built) digest.update(file).update(await readFile(join(out, file)));
const version = digest.digest("hex").slice(0, 12);
await buildApp(version);
await writeFile(join(out, "version.txt"), `${version}\n`);
const files = [...built, "version.txt"];
await build({
  entryPoints: [join(root, "src/sw.ts")],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  outfile: join(out, "sw.js"),
  define: { __VERSION__: JSON.stringify(version), __FILES__: JSON.stringify(files) },
  logLevel: "warning",
});

if (check) {
  const committed = join(root, "dist");
  const stale = [];
  const built = (await readdir(out)).sort();
  const have = (await readdir(committed).catch(() => [])).sort();
  if (built.join() !== have.join()) stale.push(`files: ${have} vs ${built}`);
  for (const file of built) {
    const a = await readFile(join(out, file));
    const b = await readFile(join(committed, file)).catch(() => Buffer.alloc(0));
    if (!a.equals(b)) stale.push(file);
  }
  await rm(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`field/dist is stale (${stale.join(", ")}): run \`npm run build\` in field/`);
    process.exit(1);
  }
  console.log("committed bundle matches a rebuild");
} else {
  console.log(`built ${out}`);
}
