/**
 * Seal scenarios for the simulator: named, repeatable stories played on one simulated sleeve
 * (serial or MQTT) against a running gateway, through its HTTP API (a keeper files, an approver
 * approves) and the sleeve's wire protocol. Each says which anomaly codes it makes the gateway
 * raise (`expected`), so tests can check them in the journal.
 *
 *   runSealScenario('over-count', { api, users, sleeve, clock })
 *
 * Time: with `clock` (a SimClock shared with the gateway's seal feature and the sleeve) scenarios
 * move time where they need it — to working hours (Mon–Fri 09:00, Asia/Shanghai, the default
 * seal.workingHours), to 20:00 for `out-of-hours`, and through an accelerated hour for
 * `offline-hour`. Without one they run in real time (then `out-of-hours` only shows its anomaly
 * outside working hours, and `offline-hour` is offline for `offlineMs`, default 3 s).
 *
 * `autoStamp(sleeve)` makes a sleeve act on every grant it receives (the demo's "keeper").
 */
import type { Logger } from 'pino';
import type { AnomalyCode } from '../../src/seal/model.js';
import { SealApi, type Credentials } from './api.js';
import { nextLocalTime, type SimClock } from './clock.js';
import type { SimSeal } from './devices.js';
import type { SerialSimSeal } from './devices.js';

export interface SealScenarioEnv {
  /** HTTP base of the gateway, e.g. http://127.0.0.1:8080 */
  api: string;
  users: { keeper: Credentials; approver: Credentials; township?: Credentials };
  sleeve: SimSeal;
  clock?: SimClock;
  /** Wait limit for what the gateway does (grant delivery, acknowledgement), ms (default 15000). */
  timeoutMs?: number;
  /** offline-hour without a clock: how long to stay offline (default 3000 ms). */
  offlineMs?: number;
  log?: Logger;
}

export interface SealScenarioResult {
  name: string;
  /** Anomaly codes this run makes the gateway raise (each at least once). */
  expected: AnomalyCode[];
  /** Requests filed on the way. */
  requests: string[];
  notes: string[];
}

interface Ctx {
  env: SealScenarioEnv;
  keeper: SealApi;
  approver: SealApi;
  township?: SealApi;
  result: SealScenarioResult;
}

interface Scenario {
  title: string;
  expected: AnomalyCode[];
  /** Transports it makes sense on (default both). */
  transports?: ('serial' | 'mqtt')[];
  /** It sets its own time; the others start in working hours (`workingTime`). */
  ownTime?: true;
  run(c: Ctx): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`scenario: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const now = (c: Ctx): number => (c.env.clock ? c.env.clock.now() : Date.now());
const timeout = (c: Ctx): number => c.env.timeoutMs ?? 15_000;

/** Move a shared clock into working hours (Mon–Fri 09:00–17:00 Beijing time) if it is not. */
function workingTime(c: Ctx): void {
  const clock = c.env.clock;
  if (!clock) return;
  const p: Record<string, string> = {};
  const f = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hourCycle: 'h23', weekday: 'short', hour: '2-digit' });
  for (const { type, value } of f.formatToParts(new Date(clock.now()))) p[type] = value;
  const h = Number(p.hour);
  if (['Sat', 'Sun'].includes(p.weekday!) || h < 9 || h >= 16) clock.advanceTo(nextLocalTime(clock.now(), 9, 0, { weekday: true }));
}

/** Until the sleeve holds `grant`. */
const onSleeve = (c: Ctx, grant: string, what: string) => until(() => c.env.sleeve.grant?.grant === grant, timeout(c), what);

/** Keeper files, approver approves, the sleeve receives the grant. */
async function granted(c: Ctx, opts: { count: number; notBefore?: number; notAfter?: number; title?: string; matter?: string } = { count: 1 }) {
  const seal = c.env.sleeve.id;
  const req = await c.keeper.fileRequest({
    seal,
    matter: opts.matter ?? '证明',
    title: opts.title ?? `${c.result.name}: 居住证明`,
    count: opts.count,
    ...(opts.notBefore !== undefined ? { notBefore: opts.notBefore } : {}),
    ...(opts.notAfter !== undefined ? { notAfter: opts.notAfter } : {}),
  });
  c.result.requests.push(req.id);
  const approved = await c.approver.approve(req.id);
  const grant = approved.grant as string;
  await onSleeve(c, grant, `grant ${grant} on ${seal}`);
  return { request: req.id as string, grant };
}

async function stampN(c: Ctx, n: number, opts: Parameters<SimSeal['stamp']>[0] = {}, gapMs = 30): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = c.env.sleeve.stamp(opts);
    if (!r.ok) throw new Error(`scenario ${c.result.name}: stamp refused: ${r.reason}`);
    await sleep(gapMs);
  }
}

/** Withdraw a request if it is still open (scenarios leave no live grant behind). */
async function tidy(c: Ctx, request: string): Promise<void> {
  const r = await c.keeper.req('POST', `/api/seal/requests/${request}/withdraw`, { reason: 'scenario finished' });
  if (r.status !== 200 && r.status !== 409) throw new Error(`withdraw ${request}: ${r.status} ${JSON.stringify(r.body)}`);
}

const idle = (c: Ctx, ms = timeout(c)) => c.env.sleeve.whenIdle(ms);

/** One stamp, committed by the gateway. */
async function stampOnce(c: Ctx, opts: Parameters<SimSeal['stamp']>[0] = {}): Promise<void> {
  await stampN(c, 1, opts);
  await idle(c);
}

/** A faulty sleeve stamps once though its grant does not allow it (`stampWithoutGrant`). */
async function faultyStamp(c: Ctx): Promise<void> {
  c.env.sleeve.stampWithoutGrant = true;
  try {
    await stampOnce(c);
  } finally {
    c.env.sleeve.stampWithoutGrant = false;
  }
}

export const SEAL_SCENARIOS: Record<string, Scenario> = {
  'normal-day': {
    title: 'A normal day: two requests approved, stamped with photos inside working hours',
    expected: [],
    async run(c) {
      c.env.sleeve.status();
      const a = await granted(c, { count: 2, title: '村民居住证明' });
      c.env.sleeve.openSleeve();
      await stampN(c, 2);
      c.env.sleeve.closeSleeve();
      const b = await granted(c, { count: 1, matter: '合同', title: '土地流转合同' });
      await stampOnce(c);
      c.result.notes.push(`requests ${a.request}, ${b.request} completed`);
    },
  },
  'stamp-without-grant': {
    title: 'The sleeve is forced (mechanical bypass): a stamp naming no grant',
    expected: ['STAMP_WITHOUT_GRANT'],
    async run(c) {
      await stampOnce(c, { bypass: true });
    },
  },
  'over-count': {
    title: 'A faulty sleeve stamps once more than granted',
    expected: ['STAMP_OVER_COUNT'],
    async run(c) {
      await granted(c, { count: 1 });
      await stampOnce(c);
      await faultyStamp(c);
    },
  },
  'outside-window': {
    title: 'A faulty sleeve stamps before its grant window opens',
    expected: ['STAMP_OUTSIDE_WINDOW'],
    async run(c) {
      const t = now(c);
      const g = await granted(c, { count: 1, notBefore: t + 30 * 60_000, notAfter: t + 90 * 60_000 });
      await faultyStamp(c);
      await tidy(c, g.request);
    },
  },
  'out-of-hours': {
    title: 'A granted stamp at 20:00 Beijing time',
    expected: ['STAMP_OUT_OF_HOURS'],
    ownTime: true,
    async run(c) {
      if (c.env.clock) c.env.clock.advanceTo(nextLocalTime(c.env.clock.now(), 20, 0));
      else c.result.notes.push('no shared clock: STAMP_OUT_OF_HOURS only if run outside working hours');
      await granted(c, { count: 1, title: '夜间用印' });
      await stampOnce(c);
    },
  },
  'no-impression': {
    title: 'A stamp whose sensor saw no ink on paper',
    expected: ['STAMP_NO_IMPRESSION'],
    async run(c) {
      await granted(c, { count: 1 });
      await stampOnce(c, { impression: false });
    },
  },
  'no-photo': {
    title: 'One stamp without a photo, one whose photo never arrives (raised after seal.photoWaitSec)',
    expected: ['STAMP_NO_PHOTO'],
    async run(c) {
      await granted(c, { count: 2 });
      await stampN(c, 1, { photo: false });
      await stampN(c, 1, { upload: false });
      await idle(c);
      c.result.notes.push('the second STAMP_NO_PHOTO comes after seal.photoWaitSec');
    },
  },
  tamper: {
    title: 'Someone forces the sleeve: tamper and moved alarms, sleeve opened without a grant',
    expected: ['TAMPER', 'MOVED', 'SLEEVE_OPEN_WITHOUT_GRANT'],
    async run(c) {
      c.env.sleeve.alarm('moved');
      c.env.sleeve.alarm('tamper');
      c.env.sleeve.openSleeve();
      await sleep(50);
      c.env.sleeve.closeSleeve();
      await idle(c);
    },
  },
  'seal-removed': {
    title: 'The seal is taken out of its sleeve',
    expected: ['SEAL_REMOVED'],
    async run(c) {
      c.env.sleeve.alarm('seal_removed');
      await idle(c);
    },
  },
  'power-loss': {
    title: 'Power loss mid-grant: the clock restarts in 2017, the gateway sets it and re-sends the grant',
    expected: ['CLOCK_INVALID'],
    async run(c) {
      const g = await granted(c, { count: 2 });
      await stampOnce(c);
      c.env.sleeve.powerLoss();
      await onSleeve(c, g.grant, 'grant re-sent after the power loss');
      await until(() => Math.abs(c.env.sleeve.now() - now(c)) < 60_000, timeout(c), 'sleeve clock set by TIME');
      await stampOnce(c);
    },
  },
  'noisy-line': {
    title: 'A noisy RS-485 line: 1 % of bytes corrupted both ways, garbage between frames',
    expected: [],
    transports: ['serial'],
    async run(c) {
      const s = c.env.sleeve as SerialSimSeal;
      if (s.transport !== 'serial') {
        c.result.notes.push('noisy-line is a serial scenario; nothing done');
        return;
      }
      const g = await granted(c, { count: 5 });
      s.sleeve.noise = 0.01;
      try {
        for (let i = 0; i < 5; i++) {
          c.env.sleeve.status();
          await stampN(c, 1, {}, 10);
        }
        await idle(c, 60_000);
      } finally {
        s.sleeve.noise = 0;
      }
      c.result.notes.push(`grant ${g.grant}: ${s.sleeve.stats.retransmits} retransmissions, ${s.sleeve.stats.rxRejected} corrupted frames refused by the sleeve`);
    },
  },
  'offline-hour': {
    title: 'Offline for an hour (cable unplugged / network down), stamps buffered, then reconnect',
    expected: [],
    async run(c) {
      const t = now(c);
      await granted(c, { count: 3, notAfter: t + 3 * 3600_000 });
      await stampOnce(c);
      await c.env.sleeve.disconnect();
      const clock = c.env.clock;
      if (clock) clock.setRate(1800);
      try {
        for (let i = 1; i <= 6; i++) {
          if (clock) await clock.sleep(10 * 60_000);
          else await sleep((c.env.offlineMs ?? 3000) / 6);
          c.env.sleeve.status();
          if (i === 2 || i === 4) c.env.sleeve.stamp();
        }
      } finally {
        clock?.setRate(1);
      }
      await c.env.sleeve.reconnect();
      await idle(c, 30_000);
    },
  },
  'counter-jump': {
    title: 'The lifetime counter jumps: stamps the gateway never saw',
    expected: ['COUNTER_JUMP'],
    async run(c) {
      await granted(c, { count: 1 });
      c.env.sleeve.counterJump(3);
      await stampOnce(c);
    },
  },
  'seq-gap': {
    title: 'The sleeve skips frame numbers (events it never sent)',
    expected: ['SEQ_GAP'],
    async run(c) {
      c.env.sleeve.status();
      await idle(c);
      c.env.sleeve.skipSeq(5);
      c.env.sleeve.status();
      await idle(c);
    },
  },
  'grant-not-acked': {
    title: 'The sleeve never acknowledges its grant',
    expected: ['GRANT_NOT_ACKED'],
    async run(c) {
      c.env.sleeve.dropAcks = true;
      let request: string | undefined;
      try {
        const req = await c.keeper.fileRequest({ seal: c.env.sleeve.id, matter: '证明', title: '未确认的授权', count: 1 });
        request = req.id as string;
        c.result.requests.push(request);
        await c.approver.approve(request);
        await until(async () => (await c.keeper.request(request!)).grants[0]?.ackFailed === true, timeout(c) * 2, 'GRANT_NOT_ACKED');
      } finally {
        c.env.sleeve.dropAcks = false;
      }
      await tidy(c, request);
    },
  },
  'self-approval': {
    title: 'An approver files a request and tries to approve it; the township approver decides',
    expected: ['SELF_APPROVAL'],
    async run(c) {
      const req = await c.approver.fileRequest({ seal: c.env.sleeve.id, matter: '党员发展', title: '入党材料', count: 1 });
      c.result.requests.push(req.id);
      const r = await c.approver.req('POST', `/api/seal/requests/${req.id}/approve`, {});
      if (r.status !== 403) throw new Error(`self-approval was not refused: ${r.status}`);
      if (c.township) {
        const ok = await c.township.approve(req.id, 'escalated: approved by the township');
        await onSleeve(c, ok.grant, 'grant after escalation');
        await stampOnce(c);
      } else {
        await c.approver.withdraw(req.id, 'no township approver in this run');
      }
    },
  },
  'break-glass': {
    title: 'Emergency unlock by an approver with a reason',
    expected: ['BREAK_GLASS'],
    async run(c) {
      const r = await c.approver.breakGlass(c.env.sleeve.id, { reason: '防汛紧急通知需立即盖章 (flood emergency notice)', uses: 1, minutes: 30 });
      c.result.requests.push(r.id);
      await onSleeve(c, r.grant, 'break-glass grant');
      await stampOnce(c);
    },
  },
};

export const SEAL_SCENARIO_NAMES = Object.keys(SEAL_SCENARIOS);

/** Play one scenario; resolves when the sleeve's events are committed by the gateway. */
export async function runSealScenario(name: string, env: SealScenarioEnv): Promise<SealScenarioResult> {
  const sc = SEAL_SCENARIOS[name];
  if (!sc) throw new Error(`unknown seal scenario "${name}"; one of: ${SEAL_SCENARIO_NAMES.join(', ')}`);
  const c: Ctx = {
    env,
    keeper: new SealApi(env.api, env.users.keeper),
    approver: new SealApi(env.api, env.users.approver),
    ...(env.users.township ? { township: new SealApi(env.api, env.users.township) } : {}),
    result: { name, expected: [...sc.expected], requests: [], notes: [] },
  };
  if (sc.transports && !sc.transports.includes(env.sleeve.transport)) {
    c.result.expected = [];
    c.result.notes.push(`${name} needs a ${sc.transports.join('/')} sleeve; skipped`);
    return c.result;
  }
  env.log?.info({ scenario: name, sleeve: env.sleeve.id }, `seal scenario: ${sc.title}`);
  if (!sc.ownTime) workingTime(c);
  await sc.run(c);
  return c.result;
}

/**
 * Make a simulated sleeve act on every grant it receives: after `delayMs`, open the sleeve,
 * stamp as many times as granted (with photos), close it. Returns a function that stops it.
 */
export function autoStamp(sleeve: SimSeal, opts: { delayMs?: number; intervalMs?: number; log?: Logger } = {}): () => void {
  const busy = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const off = sleeve.onCommand((cmd) => {
    if (cmd.type !== 'grant' || !cmd.grant || busy.has(cmd.grant)) return;
    const grant = cmd.grant;
    busy.add(grant);
    const t = setTimeout(() => {
      timers.delete(t);
      void (async () => {
        sleeve.openSleeve();
        let n = 0;
        while (!stopped && sleeve.grant?.grant === grant && !sleeve.grant.revoked && sleeve.grant.used < sleeve.grant.uses) {
          const g = sleeve.grant;
          if (sleeve.now() > g.notAfter) break;
          if (sleeve.now() < g.notBefore) {
            await sleep(Math.min(60_000, g.notBefore - sleeve.now()));
            continue;
          }
          const r = sleeve.stamp();
          if (!r.ok) break;
          n++;
          await sleep(opts.intervalMs ?? 1500);
        }
        sleeve.closeSleeve();
        opts.log?.info({ sleeve: sleeve.id, grant, stamps: n }, 'simulated keeper stamped');
        busy.delete(grant);
      })();
    }, opts.delayMs ?? 2000);
    timers.add(t);
  });
  return () => {
    stopped = true;
    off();
    for (const t of timers) clearTimeout(t);
  };
}
