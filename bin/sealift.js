#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=20
// Entry point of the `sealift` executable: runs the compiled CLI (built by `npm install` via `prepare`).
//
// A gateway lives on a small box next to the devices (DESIGN §8: ≤ 120 MB with 256 lifts and 16
// seals). V8's defaults trade memory for speed: a young generation that grows to 2 × 16 MB and an
// old generation that grows by up to 4× its live size between collections. The node flags on the
// first line cap the young generation at 2 × 2 MB and let the old one grow by 20 %; they only take
// effect as flags of the node process (V8 sizes its heap before any script runs), so every place
// that starts the daemon passes them too: `npm start`, `npm run bench`, the Dockerfile's ENTRYPOINT
// and docs/sealift.service (tests/setup/ci-files.test.ts checks they agree). `node bin/sealift.js`
// without them works, with V8's larger heap. docs/performance.md has the measurements (and why not
// --optimize-for-size: 4 MB less, a third slower ingest).

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
