#!/usr/bin/env node
// Entry point of the `sealift` executable: runs the compiled CLI (built by `npm install` via `prepare`).
import v8 from 'node:v8';

// A gateway lives on a small box next to the devices (DESIGN §8: ≤ 120 MB with 256 lifts and 16
// seals). V8's defaults trade memory for speed: a young generation that grows to 2 × 16 MB and an
// old generation allowed to grow well past what is live. Favour size before anything is allocated
// (set here rather than as node flags so that `node bin/sealift.js`, npx and the service all get
// them); a semi-space size given by the operator (node flag or NODE_OPTIONS) is left alone.
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
if (!given.some((a) => a.startsWith('--max-semi-space-size'))) v8.setFlagsFromString('--max-semi-space-size=2');
v8.setFlagsFromString('--optimize-for-size');

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
