/**
 * A horizontal bar chart drawn as plain SVG (no chart library): one row per bar, its label on the
 * left, the value after the bar, an optional target line ("目标 3 分钟"). It measures its own width,
 * so the text stays readable on a phone and a desktop alike. Screen readers get every label and
 * value in the chart's aria-label.
 *
 *   <BarChart label="按故障类型" bars={[{ label: '困人', value: 2, tone: 'critical' }, …]} />
 *   <BarChart label="平均响应" bars={…} format={(s) => formatDuration(s * 1000)} target={{ value: 180, label: '目标 3 分钟' }} />
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';

export type ChartTone = 'primary' | 'ok' | 'warn' | 'critical' | 'muted';

export interface Bar {
  /** Unique among the bars (defaults to the label). */
  key?: string;
  label: string;
  value: number;
  tone?: ChartTone;
  /** Shown after the bar instead of `format(value)`. */
  valueLabel?: string;
}

const ROW = 30;
const GAP = 8;
const FONT = 13;

/** Rough width of a text at 13 px: CJK characters are square, others about half as wide. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch.codePointAt(0)! >= 0x2e80 ? FONT : FONT * 0.58;
  return w;
}

function fit(s: string, width: number): string {
  if (textWidth(s) <= width) return s;
  let out = '';
  for (const ch of s) {
    if (textWidth(`${out}${ch}…`) > width) break;
    out += ch;
  }
  return `${out}…`;
}

export function BarChart(props: {
  bars: Bar[];
  /** What the chart shows (its accessible name). */
  label: string;
  format?: (v: number) => string;
  /** A reference value drawn as a dashed line; bars beyond it keep their own tone. */
  target?: { value: number; label: string };
  /** The scale's end (default: the largest value or target). */
  max?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [measured, setMeasured] = useState(0);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const measure = () => setMeasured(Math.floor(el.getBoundingClientRect().width));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const fmt = props.format ?? ((v: number) => String(v));
  const { bars, target } = props;
  const width = measured || 600;
  const top = target ? 24 : 2;
  const height = top + bars.length * (ROW + GAP) - GAP + 2;
  const labelW = Math.min(Math.round(width * 0.36), 200);
  const valueLabels = bars.map((b) => b.valueLabel ?? fmt(b.value));
  const valueW = Math.min(120, Math.max(36, ...valueLabels.map((v) => textWidth(v) + 10)));
  const x0 = labelW + 10;
  const x1 = Math.max(x0 + 40, width - valueW);
  const max = Math.max(props.max ?? 0, target?.value ?? 0, ...bars.map((b) => b.value)) || 1;
  const x = (v: number) => x0 + ((x1 - x0) * Math.max(0, v)) / max;
  const summary = bars.map((b, i) => `${b.label} ${valueLabels[i]}`).join(t('common.listSep'));
  return (
    <div class="chart" ref={box}>
      <svg
        class="chart-svg"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={t('chart.summary', { label: props.label, target: target ? t('chart.target', { target: target.label }) : '', values: summary })}
      >
        {/* tracks, then the target line over them, then the bars and values over it */}
        {bars.map((b, i) => (
          <rect key={b.key ?? b.label} class="chart-track" x={x0} y={top + i * (ROW + GAP) + 5} width={x1 - x0} height={ROW - 10} rx={4} />
        ))}
        {target && (
          <g class="chart-target">
            <line x1={x(target.value)} x2={x(target.value)} y1={top - 6} y2={height} />
            <text x={x(target.value)} y={12} text-anchor={x(target.value) > width - 90 ? 'end' : 'middle'} dominant-baseline="central">
              {target.label}
            </text>
          </g>
        )}
        {bars.map((b, i) => {
          const y = top + i * (ROW + GAP);
          const end = x(b.value);
          const w = b.value > 0 ? Math.max(3, end - x0) : 0;
          return (
            <g key={b.key ?? b.label} class="chart-row">
              <text class="chart-label" x={labelW} y={y + ROW / 2} text-anchor="end" dominant-baseline="central">
                <title>{b.label}</title>
                {fit(b.label, labelW)}
              </text>
              {w > 0 && <rect class={`chart-bar chart-${b.tone ?? 'primary'}`} x={x0} y={y + 5} width={w} height={ROW - 10} rx={4} />}
              <text class="chart-value" x={x0 + w + 6} y={y + ROW / 2} dominant-baseline="central">
                {valueLabels[i]}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
