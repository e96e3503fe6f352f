import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { type DriftPoint, driftColumns } from '../drift-history.ts';
import { fmtNumber } from '../format.ts';
import { PALETTE, UPlotChart } from './UPlotChart.tsx';

/** Window indexes are whole numbers: no tick between two windows. */
const WINDOW_AXIS: uPlot.Axis = {
  label: 'Window',
  incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  values: (_u, splits) => splits.map((s) => String(s)),
};

/** One drift statistic per input over the windows, with the alerting threshold drawn as a dashed line. */
export function DriftChart(props: {
  title: string;
  points: DriftPoint[];
  features: string[];
  metric: 'psi' | 'ks_p_value';
  threshold: number;
  /** For the label: which side of the threshold is drift. */
  driftWhen: 'above' | 'below';
}) {
  const { points, features, metric, threshold } = props;
  const featureKey = features.join('|');
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      title: props.title,
      scales: { x: { time: false } },
      axes: [WINDOW_AXIS, { label: metric === 'psi' ? 'PSI' : 'KS p-value' }],
      series: [
        { label: 'Window' },
        ...features.map((name, i) => ({
          label: name,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6 },
        })),
        { label: `threshold ${threshold}`, stroke: '#3d3d3d', width: 1.5, dash: [6, 4], points: { show: false } },
      ],
    }),
    [featureKey, metric, threshold, props.title],
  );
  const data = useMemo(
    () => driftColumns({ points, features, metric, threshold }) as uPlot.AlignedData,
    [points, featureKey, metric, threshold],
  );
  return <UPlotChart options={options} data={data} height={220} label={chartLabel(props)} />;
}

function chartLabel(props: Parameters<typeof DriftChart>[0]): string {
  const { points, features, metric, threshold } = props;
  const first = points[0];
  const latest = points[points.length - 1];
  if (!first || !latest) return `${props.title}: no window yet.`;
  const span = first === latest ? `window ${first.index}` : `windows ${first.index} to ${latest.index}`;
  const open = latest.open ? ` (window ${latest.index} is open: provisional)` : '';
  const values = features.map((f) => `${f} ${fmtNumber(latest.features[f]?.[metric], 3)}`).join(', ');
  return `${props.title}, ${span}${open}; drift when ${props.driftWhen} ${threshold}. Window ${latest.index}: ${values}.`;
}
