// Bundles the web page: node web/build.mjs [--outdir DIR]  (default web/dist)
// Output: DIR/index.html, DIR/assets/app.js, DIR/assets/app.css. The page runs under a strict
// Content-Security-Policy (script-src 'self'; style-src 'self'), so index.html holds no inline
// script or style, and everything the page needs is in these three files (no CDN, no fonts).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// app.js must stay under this gzipped (the first load on a slow link); serving.test.mjs checks
// the embedded copy against it too.
export const BUDGET_GZIP_BYTES = 150 * 1024;

function parseArgs(argv) {
  let outdir = join(here, 'dist');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--outdir' && argv[i + 1]) outdir = resolve(argv[++i]);
    else if (argv[i].startsWith('--outdir=')) outdir = resolve(argv[i].slice('--outdir='.length));
    else throw new Error(`unknown argument ${argv[i]}; usage: node build.mjs [--outdir DIR]`);
  }
  return { outdir };
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Missive</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>Missive needs JavaScript.</noscript>
</body>
</html>
`;

export async function buildWeb(outdir) {
  const assets = join(outdir, 'assets');
  rmSync(assets, { recursive: true, force: true });
  mkdirSync(assets, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    outdir: assets,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'index.html'), INDEX_HTML);
  const js = readFileSync(join(assets, 'app.js'));
  const css = readFileSync(join(assets, 'app.css'));
  return { jsGzip: gzipSync(js, { level: 9 }).length, jsBytes: js.length, cssGzip: gzipSync(css, { level: 9 }).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outdir } = parseArgs(process.argv.slice(2));
  const sizes = await buildWeb(outdir);
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`web: ${outdir}: app.js ${kb(sizes.jsBytes)} KB, ${kb(sizes.jsGzip)} KB gzipped (budget ${kb(BUDGET_GZIP_BYTES)} KB); app.css ${kb(sizes.cssGzip)} KB gzipped`);
  if (sizes.jsGzip > BUDGET_GZIP_BYTES) {
    console.error(`web: app.js is ${kb(sizes.jsGzip)} KB gzipped, over the ${kb(BUDGET_GZIP_BYTES)} KB budget`);
    process.exit(1);
  }
}
