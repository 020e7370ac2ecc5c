#!/usr/bin/env -S node --max-semi-space-size=2 --optimize-for-size
// Entry point of the `sealift` executable: runs the compiled CLI (built by `npm install` via `prepare`).
//
// A gateway lives on a small box next to the devices (DESIGN §8: ≤ 120 MB with 256 lifts and 16
// seals). V8's defaults trade memory for speed: a young generation that grows to 2 × 16 MB and an
// old generation allowed to grow well past what is live. The node flags on the first line favour
// size; they only take effect as flags of the node process (V8 sizes its heap before any script
// runs), so every place that starts the daemon passes them too: `npm start`, the Dockerfile's
// ENTRYPOINT and docs/sealift.service (tests/setup/ci-files.test.ts checks they agree).
// `node bin/sealift.js …` without them works, with V8's larger young generation.
import v8 from 'node:v8';

if (!process.execArgv.includes('--optimize-for-size')) v8.setFlagsFromString('--optimize-for-size');

const { main } = await import('../dist/src/cli/main.js');

// `sealift device list | head`: a closed pipe ends the output, not the program with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
