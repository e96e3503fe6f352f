import { useId } from 'preact/hooks';

export interface Bar {
  label: string;
  value: number | null;
}

const WIDTH = 640;
const LABEL_W = 190;
const VALUE_W = 70;
const ROW = 28;
const TOP = 22;

/**
 * Horizontal bars (SVG, styled by classes only), around zero when some values are negative,
 * with an optional reference line (e.g. the four-fifths rule at 0.8). One image with a label;
 * callers put the numbers in a table beside it.
 */
export function HBarChart(props: {
  label: string;
  bars: Bar[];
  reference?: { value: number; label: string };
  format?: (n: number) => string;
}) {
  const titleId = useId();
  const format = props.format ?? ((n: number) => n.toFixed(3));
  const values = props.bars.flatMap((b) => (b.value === null ? [] : [b.value]));
  const ref = props.reference?.value;
  const lo = Math.min(0, ...values, ...(ref !== undefined ? [ref] : []));
  const hi = Math.max(0, ...values, ...(ref !== undefined ? [ref] : []));
  const span = hi - lo || 1;
  const plotW = WIDTH - LABEL_W - VALUE_W;
  const x = (v: number) => LABEL_W + ((v - lo) / span) * plotW;
  const height = TOP + props.bars.length * ROW + 6;

  return (
    <svg
      class="hbars"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby={titleId}
      preserveAspectRatio="xMinYMin meet"
    >
      <title id={titleId}>{props.label}</title>
      <line class="axis" x1={x(0)} x2={x(0)} y1={TOP - 4} y2={height} />
      {props.bars.map((bar, i) => {
        const y = TOP + i * ROW;
        const v = bar.value;
        return (
          <g key={bar.label}>
            <text class="bar-label" x={LABEL_W - 8} y={y + ROW / 2 + 4} text-anchor="end">
              {bar.label}
            </text>
            {v !== null && (
              <rect
                class={v < 0 ? 'bar bar-neg' : 'bar'}
                x={Math.min(x(0), x(v))}
                y={y + 5}
                width={Math.max(1, Math.abs(x(v) - x(0)))}
                height={ROW - 10}
              />
            )}
            <text class="bar-value" x={WIDTH - VALUE_W + 6} y={y + ROW / 2 + 4}>
              {v === null ? '—' : format(v)}
            </text>
          </g>
        );
      })}
      {props.reference && ref !== undefined && (
        <g class="reference">
          <line x1={x(ref)} x2={x(ref)} y1={TOP - 6} y2={height} />
          <text x={x(ref)} y={12} text-anchor="middle">
            {props.reference.label}
          </text>
        </g>
      )}
    </svg>
  );
}
