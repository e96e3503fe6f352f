import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Series } from '../live.ts';
import { timeScale, UPlotChart } from './UPlotChart.tsx';

const OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  legend: { show: false },
  cursor: { show: false },
  select: { show: false, left: 0, top: 0, width: 0, height: 0 },
  axes: [{ show: false }, { show: false }],
  scales: { x: timeScale(30) },
  series: [{}, { stroke: '#0b57d0', width: 1.5, points: { show: false } }],
};

/** A model's prediction count over time from the live stream; the latest value is written beside it. */
export function Sparkline(props: { model: string; series: Series | undefined }) {
  const { series } = props;
  const points = series?.t.length ?? 0;
  const newest = series?.t[points - 1];
  // A copy, remade when a point arrives: uPlot keeps the arrays it is given, the live store appends to its own.
  const data = useMemo<uPlot.AlignedData>(() => [series?.t.slice() ?? [], series?.v.slice() ?? []], [newest, series]);
  if (points < 2) return <span class="muted">{points ? `${series!.v[0]} logged` : 'waiting for events'}</span>;
  const first = series!.v[0]!;
  const last = series!.v[points - 1]!;
  const minutes = Math.max(1, Math.round((series!.t[points - 1]! - series!.t[0]!) / 60));
  return (
    <span class="sparkline">
      <UPlotChart
        class="spark"
        options={OPTIONS}
        data={data}
        height={32}
        label={`Predictions logged for ${props.model} over the last ${minutes} min: from ${first} to ${last}`}
      />
      <span class="spark-value">{last}</span>
    </span>
  );
}
