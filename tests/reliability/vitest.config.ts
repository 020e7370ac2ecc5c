/**
 * `npm run soak`: the reliability suite (tests/reliability) at its full counts, one file at a time
 * (the figures are timings and memory: better without the other files competing for the CPU).
 * `npm test` runs the same files with their small CI counts. See docs/reliability.md.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    env: { SEALIFT_SOAK_FULL: '1' },
    testTimeout: 6 * 3600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
