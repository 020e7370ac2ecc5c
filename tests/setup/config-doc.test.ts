import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeConfig } from '../../src/core/config.js';
import { ROOT } from '../helpers/cli.js';

describe('docs/configuration.md', () => {
  it('documents every setting with its environment variable and default (regenerate: node scripts/config-doc.js --write)', () => {
    const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    for (const r of describeConfig()) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${r.path}\` |`));
      expect(row, `${r.path} missing`).toBeDefined();
      expect(row).toContain(`\`${r.env}\``);
      expect(row).toContain(JSON.stringify(r.default) ?? '—');
    }
  });
});
