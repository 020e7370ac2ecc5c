#!/usr/bin/env node
// Test prerequisites: the system programs the test suite drives for real.
//
//   socat      pseudo-terminal pairs (serial links to the simulated seals and lifts)
//   mosquitto  a second, independent MQTT broker (upstream / hub tests)
//   chromium   the browser tests of the web pages
//   a CJK font so the pages' Chinese renders in the browser tests' screenshots (fonts-wqy-microhei)
//
// Run by `npm test` before vitest. It never skips: either the programs are there (exit 0),
// or it installs them (Debian-like system, root or password-less sudo), or it prints the exact
// command to run and exits 1. Fast when everything is present (one small `sh`, no network).
//
// Plain Node ESM, no dependencies, nothing exported.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, accessSync, constants } from 'node:fs';
import { platform } from 'node:os';

/** Program → Debian package, and absolute paths accepted when the program is not on PATH. */
const NEEDED = [
  { program: 'socat', pkg: 'socat', extra: [] },
  // mosquitto installs to /usr/sbin, which is often not on a normal user's PATH.
  { program: 'mosquitto', pkg: 'mosquitto', extra: ['/usr/sbin/mosquitto'] },
  { program: 'chromium', pkg: 'chromium', extra: ['/usr/bin/chromium'] },
  // not a program: a font file (checked for existence; `command -v` never finds it)
  { program: 'fonts-wqy-microhei', pkg: 'fonts-wqy-microhei', extra: [], files: ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'] },
];

const isExecutable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Resolve every program in one `sh` (`command -v`), then the extra absolute paths. */
function findPrograms() {
  const script = 'for p in "$@"; do command -v "$p" || echo; done';
  const r = spawnSync('sh', ['-c', script, 'sh', ...NEEDED.map((n) => n.program)], { encoding: 'utf8' });
  const lines = (r.stdout ?? '').split('\n');
  const found = new Map();
  NEEDED.forEach((n, i) => {
    const onPath = (lines[i] ?? '').trim();
    const path = onPath !== '' ? onPath : (n.extra.find(isExecutable) ?? n.files?.find((f) => existsSync(f)));
    if (path) found.set(n.program, path);
  });
  return found;
}

const missingOf = (found) => NEEDED.filter((n) => !found.has(n.program));

const commandExists = (cmd) => spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd]).status === 0;

function aptListsEmpty() {
  try {
    return !readdirSync('/var/lib/apt/lists').some((f) => f.includes('_Packages'));
  } catch {
    return true;
  }
}

function fail(lines) {
  console.error('');
  for (const l of lines) console.error(`test-setup: ${l}`);
  console.error('');
  process.exit(1);
}

function manualInstructions(missing) {
  const pkgs = missing.map((n) => n.pkg);
  const lines = [`missing system programs needed by the tests: ${missing.map((n) => n.program).join(', ')}`];
  if (platform() === 'darwin') {
    const brew = pkgs.filter((p) => p !== 'chromium');
    if (brew.length > 0) lines.push(`install them with:  brew install ${brew.join(' ')}`);
    if (pkgs.includes('chromium')) {
      lines.push('chromium:  brew install --cask chromium');
      lines.push('  then put it on PATH as `chromium`, e.g.');
      lines.push('  ln -s /Applications/Chromium.app/Contents/MacOS/Chromium /usr/local/bin/chromium');
    }
  } else {
    lines.push('on Debian/Ubuntu install them with:');
    lines.push('  sudo apt-get install -y socat mosquitto chromium fonts-wqy-microhei');
    lines.push('(on Ubuntu, chromium comes as a snap: sudo snap install chromium, then make `chromium` resolve on PATH)');
    lines.push('on other systems install the equivalent packages so that socat, mosquitto and chromium are on PATH');
  }
  lines.push('then run `npm test` again. The tests never skip these.');
  return lines;
}

function main() {
  const found = findPrograms();
  const missing = missingOf(found);
  if (missing.length === 0) return; // the common case: silent, fast

  const debianLike = existsSync('/etc/debian_version') && commandExists('apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const canSudo = !isRoot && commandExists('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

  if (!debianLike || (!isRoot && !canSudo)) {
    const lines = manualInstructions(missing);
    if (debianLike) lines.unshift('(not root and `sudo -n` needs a password, so not installing automatically)');
    fail(lines);
  }

  const pkgs = missing.map((n) => n.pkg);
  console.log(`test-setup: installing ${pkgs.join(' ')} (missing: ${missing.map((n) => n.program).join(', ')}) with apt-get${isRoot ? '' : ' via sudo -n'}`);

  // `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
  // Lock::Timeout: wait for another apt/dpkg run (e.g. a concurrent `npm test`) instead of failing.
  const apt = (args) => {
    const argv = ['DEBIAN_FRONTEND=noninteractive', 'apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
    const [cmd, ...rest] = isRoot ? ['env', ...argv] : ['sudo', '-n', 'env', ...argv];
    console.log(`test-setup: $ ${[cmd, ...rest].join(' ')}`);
    return spawnSync(cmd, rest, { stdio: 'inherit' }).status === 0;
  };
  const install = () => apt(['install', '-y', '--no-install-recommends', ...pkgs]);
  const update = () => {
    // A failing third-party source makes `update` exit non-zero while Debian's lists are fine:
    // carry on and let the install attempt decide.
    if (!apt(['update'])) console.log('test-setup: apt-get update reported errors; trying the install anyway');
  };

  const started = Date.now();
  let updated = false;
  if (aptListsEmpty()) {
    update();
    updated = true;
  }
  let ok = install();
  if (!ok && !updated) {
    console.log('test-setup: install failed with the current package lists; running apt-get update and retrying');
    update();
    ok = install();
  }

  const still = missingOf(findPrograms());
  if (still.length > 0) {
    fail([
      `apt-get install ${ok ? 'finished' : 'FAILED'}, but still missing: ${still.map((n) => n.program).join(', ')}`,
      ...manualInstructions(still),
    ]);
  }
  console.log(`test-setup: installed ${pkgs.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Debian starts the mosquitto service it just installed on 127.0.0.1:1883 — the port of the
  // gateway's own embedded broker. The tests start their own mosquitto on ephemeral ports, so
  // stop and disable the system one we brought in (only where systemd runs).
  if (pkgs.includes('mosquitto') && existsSync('/run/systemd/system') && commandExists('systemctl')) {
    const argv = ['systemctl', 'disable', '--now', 'mosquitto'];
    const [cmd, ...rest] = isRoot ? argv : ['sudo', '-n', ...argv];
    if (spawnSync(cmd, rest, { stdio: 'ignore' }).status === 0) {
      console.log('test-setup: stopped and disabled the mosquitto system service (it would hold port 1883)');
    }
  }
}

main();
