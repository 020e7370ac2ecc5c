/**
 * `npm run bench [-- --quick] [-- --only name,name] [-- --write-docs]`: one benchmark per target of
 * DESIGN §8, each measuring its own baseline in the same run; prints
 * `name: value unit (ratio × baseline, target …)` and, with --write-docs, the results into
 * docs/performance.md.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { line, machine, type Result } from './lib.js';
import { benchIngest } from './ingest.js';
import { benchVerify } from './verify.js';
import { benchModbus } from './modbus.js';

const BENCHES: Record<string, (quick: boolean) => Promise<Result>> = {
  ingest: benchIngest,
  modbus: benchModbus,
  verify: benchVerify,
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only'));
  const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1]! : args[args.indexOf(onlyArg) + 1]!).split(',') : null;
  const unknown = only?.filter((n) => !BENCHES[n]) ?? [];
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    return 2;
  }
  console.log(`sealift bench${quick ? ' --quick' : ''} on ${machine()}`);
  const results: Result[] = [];
  for (const [name, fn] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    try {
      const r = await fn(quick);
      results.push(r);
      console.log(line(r) + (r.notes ? `  [${r.notes}]` : ''));
    } catch (err) {
      console.log(`${name}: FAILED (${(err as Error).message})`);
      results.push({ name, value: NaN, unit: '', ratio: null, baseline: '', target: '', pass: false, notes: String(err) });
    }
  }
  if (args.includes('--write-docs')) writeDocs(results, quick);
  return results.every((r) => r.pass !== false) ? 0 : 1;
}

function writeDocs(results: Result[], quick: boolean): void {
  const file = resolve(import.meta.dirname, '../../docs/performance.md');
  const START = '<!-- bench:start -->';
  const END = '<!-- bench:end -->';
  const block = [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine()}.`,
    '',
    '| benchmark | result | ratio | baseline (same run) | target | met |',
    '|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${Number.isFinite(r.value) ? (r.value >= 100 ? Math.round(r.value).toLocaleString('en') : r.value.toFixed(2)) : '—'} ${r.unit} | ${r.ratio?.toFixed(2) ?? '—'} | ${r.baseline} | ${r.target} | ${r.pass === null ? '—' : r.pass ? 'yes' : '**no**'} |`,
    ),
    '',
    ...results.filter((r) => r.notes).map((r) => `- ${r.name}: ${r.notes}`),
    END,
  ].join('\n');
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : `# Performance\n\n${START}\n${END}\n`;
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  writeFileSync(file, a >= 0 && b >= 0 ? doc.slice(0, a) + block + doc.slice(b + END.length) : doc + '\n' + block + '\n');
  console.log(`wrote ${file}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
