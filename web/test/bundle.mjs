// Imports TypeScript sources of the page (or the SDK) into a Node test: esbuild bundles them,
// as it does for the page, into a temporary directory that is removed once imported.
//   const { parseHash } = await bundleForNode('src/router.ts');
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The exports of every file given (paths relative to web/), as one module.
export async function bundleForNode(...files) {
  const dir = mkdtempSync(join(tmpdir(), 'missive-web-bundle-'));
  try {
    const outfile = join(dir, 'bundle.mjs');
    await build({
      stdin: { contents: files.map((f) => `export * from ${JSON.stringify(resolve(webRoot, f))};`).join('\n'), resolveDir: webRoot, loader: 'ts' },
      outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      jsx: 'automatic', jsxImportSource: 'preact', logLevel: 'error',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
