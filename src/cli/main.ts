/**
 * The `sealift` command line (DESIGN §5.8). Exit codes: 0 success, 1 failure (verify: tampering
 * found), 2 usage error or invalid configuration (every error listed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../core/errors.js';
import { ConfigError, loadConfig, type Config } from '../core/config.js';
import { runGateway } from './gateway.js';
import { runDemo } from './demo.js';
import { runSim } from './sim.js';
import { deviceAdd, deviceList } from './device.js';
import { userAdd } from './user.js';
import { runVerify } from './verify.js';
import { runExport } from './export.js';
import { keysShow } from './keys.js';
import { hubExport, hubGatewayAdd, hubGatewayList, hubGatewayRelease, hubKeyShow, runHub } from './hub.js';

export interface CommonOpts {
  config?: string;
  data?: string;
}

/** Config from file + environment + the --data flag; throws ConfigError. */
export function configFrom(opts: CommonOpts): Config {
  return loadConfig({
    file: opts.config,
    overrides: opts.data ? [{ path: ['data'], value: opts.data }] : [],
  });
}

/** This package's version (package.json sits above both src/cli and dist/src/cli). */
export function packageVersion(): string {
  for (let dir = import.meta.dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sealift' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

const common = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--config <file>', 'configuration file (YAML or JSON)').env('SEALIFT_CONFIG'))
    .option('--data <dir>', 'data directory (default: $SEALIFT_DATA or ./data)');

/** `--out` and the record filters of `export` and `hub export` (see ExportOpts). */
const exportOptions = (cmd: Command): Command =>
  cmd
    .requiredOption('--out <dir>', 'output directory (created; must be empty)')
    .option('--from <iso>', 'records at or after this time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00+08:00)')
    .option('--to <iso>', 'records before this time')
    .option('--subject <id>', 'only records about this device, lift or request')
    .option('--kind <kind>', 'only records of this kind (prefix allowed, e.g. seal.)');

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('sealift')
    .description('Edge gateway for smart seals and elevators, with a verifiable journal')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError();

  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      code = await fn(...args);
    };

  common(program.command('gateway').description('run the edge daemon'))
    .option('--upstream <url>', 'upstream MQTT broker URL (mqtt://, mqtts://)')
    .action(run(runGateway));

  common(program.command('demo').description('gateway + simulator on a demo site (what `npm start` runs)')).action(
    run(runDemo),
  );

  common(program.command('sim').description('run the simulator for the devices provisioned in DIR (creates the ptys it needs)'))
    .option('--broker <url>', 'the gateway broker to connect to (default: from the config)')
    .option('--no-auto-stamp', 'sleeves do not stamp on their own when a grant arrives')
    .action(run(runSim));

  const device = program.command('device').description('provision and list devices');
  common(device.command('add <id>').description('provision a device'))
    .requiredOption('--profile <profile>', 'seal-ssp1-serial | seal-mqtt | lift-modbus | lift-kit-mqtt')
    .option('--name <name>', 'human name, e.g. 1号楼东梯')
    .option('--port <path>', 'serial port (serial and Modbus profiles)')
    .option('--baud <n>', 'baud rate')
    .option('--slave <n>', 'Modbus slave address 1-247')
    .option('--secret <s>', 'device secret for MQTT profiles (generated when omitted)')
    .option('--rated-speed <mm_s>', 'rated speed of a lift, mm/s')
    .option('--floors <lo..hi>', 'served floors of a lift, e.g. -1..18')
    .action(run(deviceAdd));
  common(device.command('list').description('provisioned devices')).option('--json', 'machine-readable').action(
    run(deviceList),
  );

  const user = program.command('user').description('manage users');
  common(user.command('add <name>').description('add a user; the password is read from stdin'))
    .requiredOption('--role <role>', 'keeper | approver | inspector | maintainer | admin')
    .option('--display-name <name>', 'name shown in the pages, e.g. 张文书')
    .action(run(userAdd));

  common(program.command('verify').description('verify the journal (or an exported bundle); names the first bad record'))
    .option('--bundle <dir>', 'verify an exported evidence bundle offline')
    .option('--key <vkey>', 'expected verifier key (as printed by `sealift keys show`)')
    .option('--from <seq>', 'first seq to report on')
    .option('--to <seq>', 'last seq to report on')
    .action(run(runVerify));

  exportOptions(common(program.command('export').description('write an evidence bundle and a CSV'))).action(run(runExport));

  const keys = program.command('keys').description('the gateway signing key');
  common(keys.command('show').description("print the gateway's public key and key id")).action(run(keysShow));

  // Subcommands read --config/--data/--broker wherever they appear (`hub gateway add GW --data D`):
  // commander gives options the parent also knows to the parent, hence optsWithGlobals().
  const hub = common(program.command('hub').description('run the upstream hub (verifies, stores and countersigns gateway journals)'))
    .option('--broker <url>', 'MQTT broker the gateways publish to (mqtt://, mqtts://)')
    .action(run(runHub));
  const hubGw = hub.command('gateway').description('gateways known to the hub');
  common(hubGw.command('add <gw>').description("register a gateway's verifier key (from `sealift keys show` on the gateway)"))
    .requiredOption('--key <vkey>', 'verifier key of the gateway')
    .option('--replace', 'replace the key of an already registered gateway')
    .action(run((gw: string, _o: unknown, cmd: Command) => hubGatewayAdd(gw, cmd.optsWithGlobals())));
  common(hubGw.command('release <gw>').description('lift the quarantine of a gateway after a tamper alarm, once it has been examined'))
    .requiredOption('--reason <text>', 'why (kept with the release, shown to inspectors)')
    .action(run((gw: string, _o: unknown, cmd: Command) => hubGatewayRelease(gw, cmd.optsWithGlobals())));
  common(hubGw.command('list').description('registered gateways, verified sizes, alarms')).option('--json', 'machine-readable').action(run((_o: unknown, cmd: Command) => hubGatewayList(cmd.optsWithGlobals())));
  common(hub.command('key').description("print the hub's verifier key (upstream.hubKey of the gateways)")).action(run((_o: unknown, cmd: Command) => hubKeyShow(cmd.optsWithGlobals())));
  exportOptions(common(hub.command('export <gw>').description("evidence bundle of a gateway's verified records, as held by the hub"))).action(run((gw: string, _o: unknown, cmd: Command) => hubExport(gw, cmd.optsWithGlobals())));

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`sealift: ${err.message}\n${err.errors.map((e) => `  - ${e}`).join('\n')}\n`);
      return EXIT.usage;
    }
    if (err instanceof Error && err.name === 'Rejection') {
      process.stderr.write(`sealift: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}
