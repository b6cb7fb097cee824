/**
 * The field app's entry point: loads Automerge's wasm from the server
 * (the page's CSP allows `wasm-unsafe-eval` for exactly this), then
 * starts the app in the page's `<main>`.
 */

import { initializeWasm } from "@automerge/automerge/slim";
import { start } from "./ui/app.js";

const main = document.querySelector("main");
if (!main) throw new Error("index.html has no <main>");
try {
  await initializeWasm(new URL("automerge.wasm", import.meta.url).href);
  await start(main);
} catch (e) {
  main.textContent = `The app could not start: ${(e as Error).message}`;
}
