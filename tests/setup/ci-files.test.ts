/**
 * The files that make a clean machine run the suite: `.ci/run`, `scripts/test-setup.js`, and the
 * Dockerfile's references into the repository. These run the real scripts (with stub programs
 * where the real ones would install or download things).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonNodeFlags } from '../../bench/node-flags.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CI_RUN = join(ROOT, '.ci/run');
const SETUP = join(ROOT, 'scripts/test-setup.js');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sealift-ci-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A directory with a stub `npm` that logs "<cwd>|<args>" and fails on `failOn`. */
function stubNpm(name: string, failOn?: string): { bin: string; log: string } {
  const bin = join(tmp, name);
  const log = join(bin, 'npm.log');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'npm'),
    [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo 10.0.0-stub; exit 0; fi',
      `echo "$PWD|$*" >> '${log}'`,
      failOn ? `if [ "$1" = "${failOn}" ]; then echo "stub npm: $1 failed" >&2; exit 7; fi` : '',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(join(bin, 'npm'), 0o755);
  return { bin, log };
}

const runCi = (bin: string) =>
  spawnSync(CI_RUN, [], {
    cwd: tmpdir(), // not the repo: the script must find the repo root itself
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('.ci/run', () => {
  it('is an executable bash script that parses', () => {
    expect(() => accessSync(CI_RUN, constants.X_OK)).not.toThrow();
    expect(statSync(CI_RUN).mode & 0o111).toBe(0o111);
    const text = readFileSync(CI_RUN, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^#!.*\bbash\b/);
    expect(text).toMatch(/^set -euo pipefail$/m);
    const syntax = spawnSync('bash', ['-n', CI_RUN], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('runs `npm ci` then `npm test` from the repository root, whatever the caller cwd', () => {
    const { bin, log } = stubNpm('npm-ok');
    const r = runCi(bin);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`node ${process.version}`);
    expect(r.stdout).toContain('npm 10.0.0-stub');
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toEqual([`${ROOT}|ci`, `${ROOT}|test`]);
  });

  it('stops at the first failure and passes its failure on', () => {
    const { bin, log } = stubNpm('npm-ci-fails', 'ci');
    const r = runCi(bin);
    expect(r.status).not.toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([`${ROOT}|ci`]); // `npm test` never ran
  });

  it('`npm test` is the command that runs the system setup before vitest', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const steps = pkg.scripts.test!.split('&&').map((s) => s.trim());
    const setup = steps.indexOf('node scripts/test-setup.js');
    const vitest = steps.findIndex((s) => s.startsWith('vitest'));
    expect(setup).toBeGreaterThanOrEqual(0);
    expect(vitest).toBeGreaterThan(setup);
  });
});

describe('scripts/test-setup.js', () => {
  it('exits 0 on this machine, quietly and quickly, once socat, mosquitto and chromium are present', () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [SETUP], { cwd: ROOT, encoding: 'utf8', timeout: 20 * 60_000 });
    const ms = performance.now() - t0;
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);

    // the programs really resolve afterwards, the way the tests look for them
    const which = (p: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', p], { encoding: 'utf8' }).stdout.trim();
    expect(which('socat')).not.toBe('');
    expect(which('mosquitto') || (existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : '')).not.toBe('');
    expect(which('chromium') || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : '')).not.toBe('');
    expect(spawnSync('socat', ['-V'], { encoding: 'utf8' }).stdout).toMatch(/socat version/);

    // a second run is the fast path: nothing installed, at most one line printed
    const t1 = performance.now();
    const again = spawnSync(process.execPath, [SETUP], { cwd: ROOT, encoding: 'utf8' });
    const fastMs = performance.now() - t1;
    expect(again.status).toBe(0);
    expect(again.stdout.trim().split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(again.stderr).toBe('');
    expect(fastMs).toBeLessThan(3000); // ~0.1 s unloaded; generous for a busy test machine
    expect(ms).toBeGreaterThan(0);
  }, 20 * 60_000); // run outside `npm test` on a fresh machine, the first spawn may install packages

  it('never passes by skipping: with a program missing and no way to install, it exits 1 with the install command', () => {
    // A PATH holding only `sh`: socat is not found, and neither apt-get nor sudo is available.
    const bin = join(tmp, 'only-sh');
    spawnSync('mkdir', ['-p', bin]);
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const r = spawnSync(process.execPath, [SETUP], { cwd: ROOT, env: { PATH: bin, HOME: tmp }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('socat');
    if (process.platform === 'darwin') expect(r.stderr).toContain('brew install');
    else expect(r.stderr).toContain('sudo apt-get install -y socat mosquitto chromium');
  });
});

const nodeFlags = () => daemonNodeFlags(join(ROOT, 'bin/sealift.js'));

describe('Dockerfile', () => {
  const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
    type: string;
  };

  it('runs the package executable under tini, as a non-root user, with data in /data', () => {
    const entry = docker.match(/^ENTRYPOINT\s+(\[.*\])$/m);
    expect(entry).not.toBeNull();
    const argv = JSON.parse(entry![1]!) as string[];
    const flags = nodeFlags();
    expect(argv.slice(0, 3 + flags.length)).toEqual(['/usr/bin/tini', '--', 'node', ...flags]);
    // /app/<bin> is the package's `sealift` bin, which exists in the repository
    expect(argv[3 + flags.length]).toBe(`/app/${pkg.bin.sealift!.replace(/^\.\//, '')}`);
    expect(existsSync(join(ROOT, pkg.bin.sealift!))).toBe(true);
    expect(JSON.parse(docker.match(/^CMD\s+(\[.*\])$/m)![1]!)).toEqual(['gateway']);
    const users = [...docker.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('sealift');
    expect(docker).toMatch(/^VOLUME \/data$/m);
    expect(docker).toMatch(/SEALIFT_DATA=\/data/);
  });

  it('every way of starting the daemon gives node the flags on the first line of the executable', () => {
    const flags = nodeFlags();
    expect(flags).toContain('--max-semi-space-size=2');
    expect(pkg.scripts.start).toContain(`node ${flags.join(' ')} bin/sealift.js demo`);
    expect(pkg.scripts.bench).toContain(`node ${flags.join(' ')} dist/bench/run.js`); // the benchmarks measure the daemon as it runs
    const unit = readFileSync(join(ROOT, 'docs/sealift.service'), 'utf8');
    expect(unit).toMatch(new RegExp(`^ExecStart=/usr/bin/node ${flags.join(' ')} /opt/sealift/bin/sealift\\.js gateway`, 'm'));
    // and the flags work: node accepts them and the young generation is the size they ask for
    const r = spawnSync(process.execPath, [...flags, '-p', "require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size"], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBeLessThanOrEqual(2 * 2 * 1024 * 1024);
    // run as a program, the first line starts node with them
    const direct = spawnSync(join(ROOT, 'bin/sealift.js'), ['--version'], { encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('uses scripts that exist and copies what the executable imports', () => {
    expect(pkg.scripts.build).toBeDefined();
    expect(docker).toMatch(/npm ci/);
    expect(docker).toMatch(/npm run build/);
    expect(docker).toMatch(/npm prune --omit=dev/);
    // bin/sealift.js imports ../dist/…, and ESM needs package.json ("type": "module") beside it
    const binText = readFileSync(join(ROOT, pkg.bin.sealift!), 'utf8');
    expect(binText).toMatch(/\.\.\/dist\//);
    expect(pkg.type).toBe('module');
    const copied = docker.match(/cp -a ([^\n\\&]+) \/out\//)![1]!.split(/\s+/);
    for (const p of ['package.json', 'bin', 'dist', 'node_modules']) expect(copied).toContain(p);
  });

  it('.dockerignore keeps host builds and data out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', 'data', '.git', 'test-artifacts']) expect(ignored).toContain(p);
  });
});
