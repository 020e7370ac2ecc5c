/** The node flags the daemon runs with: those on the first line of `bin/sealift.js` (see its comment). */
import { readFileSync } from 'node:fs';

/** The node flags on the first line (`#!/usr/bin/env -S node …`) of the `sealift` executable: the daemon runs with them wherever it is started. */
export function daemonNodeFlags(bin: string): string[] {
  const first = readFileSync(bin, 'utf8').split('\n')[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+(?:=\S+)?)*)$/.exec(first);
  if (!m) throw new Error(`${bin}: the first line is not "#!/usr/bin/env -S node [flags]": ${first}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}
