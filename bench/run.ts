/**
 * `npm run bench [-- --quick] [-- --only name,name] [-- --write-docs]`: one benchmark per target of
 * DESIGN §8, each measuring its own baseline in the same run; prints
 * `name: value unit (ratio × baseline, target …)` and, with --write-docs, the results into
 * docs/performance.md (between the `bench:quick` or `bench:full` markers). `--quick` runs in under
 * two minutes; the full run (1,000,000-record journal, longer loads) takes about ten.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { line, load, machine, type Result } from './lib.js';
import { benchIngest } from './ingest.js';
import { benchVerify } from './verify.js';
import { benchModbus } from './modbus.js';
import { benchSerial } from './serial.js';
import { benchFault } from './fault.js';
import { benchQuery } from './query.js';
import { benchDrain } from './drain.js';
import { benchMemory } from './memory.js';

const BENCHES: Record<string, (quick: boolean) => Promise<Result>> = {
  ingest: benchIngest,
  serial: benchSerial,
  modbus: benchModbus,
  fault: benchFault,
  drain: benchDrain,
  query: benchQuery,
  verify: benchVerify,
  memory: benchMemory,
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
  const loadAtStart = load();
  console.log(`sealift bench${quick ? ' --quick' : ''} on ${machine()}, load average ${loadAtStart} at start`);
  const started = Date.now();
  const results: Result[] = [];
  for (const [name, fn] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    try {
      const t0 = Date.now();
      const r = await fn(quick);
      r.notes = `${r.notes ? `${r.notes}; ` : ''}${((Date.now() - t0) / 1000).toFixed(0)} s, load ${load()}`;
      results.push(r);
      console.log(line(r) + `  [${r.notes}]`);
    } catch (err) {
      console.log(`${name}: FAILED (${(err as Error).message})`);
      results.push({ name, value: NaN, unit: '', ratio: null, baseline: '', target: '', pass: false, notes: String(err) });
    }
  }
  console.log(`${results.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.includes('--write-docs')) writeDocs(results, quick, loadAtStart, (Date.now() - started) / 1000);
  return results.every((r) => r.pass !== false) ? 0 : 1;
}

function writeDocs(results: Result[], quick: boolean, loadAtStart: string, secs: number): void {
  const file = resolve(import.meta.dirname, '../../docs/performance.md');
  // one block per mode: a quick run does not overwrite the figures of the last full run
  const mode = quick ? 'quick' : 'full';
  const START = `<!-- bench:${mode}:start -->`;
  const END = `<!-- bench:${mode}:end -->`;
  const block = [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine()}; ` +
      `1-minute load average ${loadAtStart} at the start (other work on the machine), ${Math.round(secs)} s in all.`,
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
