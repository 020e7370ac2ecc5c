import { describe, it, expect } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, envOverrides } from '../../src/core/config.js';
import { sealift, tmp } from '../helpers/cli.js';

describe('config', () => {
  it('has documented defaults: loopback broker on 1883, HTTP on 8080, data under ./data', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.broker.host).toBe('127.0.0.1');
    expect(cfg.broker.port).toBe(1883);
    expect(cfg.http.port).toBe(8080);
    expect(cfg.data.endsWith('/data')).toBe(true);
  });

  it('applies SEALIFT_* environment overrides over the file, with types from the schema', () => {
    const dir = tmp();
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'gateway:\n  id: village-7\nbroker:\n  port: 1999\n');
    const cfg = loadConfig({
      file,
      env: { SEALIFT_BROKER_PORT: '2883', SEALIFT_BROKER_MAX_PACKET_BYTES: '4096', SEALIFT_HTTP_ENABLED: 'false' },
    });
    expect(cfg.gateway.id).toBe('village-7');
    expect(cfg.broker.port).toBe(2883);
    expect(cfg.broker.maxPacketBytes).toBe(4096);
    expect(cfg.http.enabled).toBe(false);
    expect(envOverrides().map((e) => e.env)).toContain('SEALIFT_JOURNAL_GROUP_COMMIT_MS');
  });

  it('lists every error with its path', () => {
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'brokr: {}\nbroker:\n  port: 70000\nlog:\n  level: loud\ngateway:\n  timezone: Asia/Shanghia\nseal:\n  workingHours:\n    timezone: Beijing\n');
    let err: unknown;
    try {
      loadConfig({ file, env: { SEALIFT_HTTP_PORT: 'eighty' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const errors = (err as ConfigError).errors.join('\n');
    expect(errors).toMatch(/\/brokr: unknown setting/);
    expect(errors).toMatch(/\/broker\/port/);
    expect(errors).toMatch(/\/log\/level/);
    expect(errors).toMatch(/\/http\/port/);
    expect(errors).toMatch(/\/gateway\/timezone: must match format "time-zone"/);
    expect(errors).toMatch(/\/seal\/workingHours\/timezone: must match format "time-zone"/);
  });

  it('an invalid config refuses to start: exit 2, every error listed, nothing written', () => {
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    const data = join(dir, 'data');
    writeFileSync(file, 'gateway:\n  id: "bad/id"\nbroker:\n  port: -1\nnonsense: 1\n');
    const r = sealift(['gateway', '--config', file, '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration \(3 errors\)/);
    expect(r.stderr).toMatch(/\/gateway\/id/);
    expect(r.stderr).toMatch(/\/broker\/port/);
    expect(r.stderr).toMatch(/\/nonsense: unknown setting/);
    expect(existsSync(data)).toBe(false);
  });

  it('a config file that is not YAML is refused with exit 2', () => {
    const dir = tmp();
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'gateway: [unclosed\n');
    const r = sealift(['gateway', '--config', file, '--data', join(dir, 'data')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot parse/);
  });
});
