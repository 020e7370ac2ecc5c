// Prints the settings table of docs/configuration.md from the config schema (run after `npm run build`):
//   node scripts/config-doc.js > /tmp/table.md
import { describeConfig } from '../dist/src/core/config.js';

const rows = describeConfig();
console.log('| setting | environment variable | type | default | meaning |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| \`${r.path}\` | \`${r.env}\` | ${r.type} | \`${JSON.stringify(r.default)}\` | ${r.description} |`);
}
