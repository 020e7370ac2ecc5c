// Writes the settings table of docs/configuration.md from the config schema (after `npm run build`):
//   node scripts/config-doc.js          print the table
//   node scripts/config-doc.js --write  replace it in docs/configuration.md
import { readFileSync, writeFileSync } from 'node:fs';
import { describeConfig } from '../dist/src/core/config.js';

export function settingsTable() {
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  const lines = ['| setting | environment variable | type | default | meaning |', '|---|---|---|---|---|'];
  for (const r of describeConfig()) {
    lines.push(`| \`${r.path}\` | \`${r.env}\` | ${esc(r.type)} | \`${esc(JSON.stringify(r.default) ?? '—')}\` | ${esc(r.description)} |`);
  }
  return lines.join('\n');
}

const START = '<!-- settings:start -->';
const END = '<!-- settings:end -->';
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const table = settingsTable();
  if (process.argv.includes('--write')) {
    const file = new URL('../docs/configuration.md', import.meta.url);
    const doc = readFileSync(file, 'utf8');
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a < 0 || b < 0) throw new Error('markers not found in docs/configuration.md');
    writeFileSync(file, doc.slice(0, a + START.length) + '\n' + table + '\n' + doc.slice(b));
  } else {
    console.log(table);
  }
}
