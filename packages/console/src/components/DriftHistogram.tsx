import type { DriftHistogram as Histogram } from '@meridian/contracts';
import { histogramBins, histogramSummary } from '../drift-history.ts';
import { fmtPercent } from '../format.ts';
import { ScrollTable } from './ScrollTable.tsx';
import '../drift.css';

const WIDTH = 480;
const LABEL_W = 130;
const RIGHT = 12;
const ROW = 30;
const BAR = 10;
const TOP = 34;

/**
 * Training against live shares per bin of one input, as grouped horizontal bars (SVG, styled by
 * classes only): a row per bin reads at any width. Training is drawn outlined and live filled,
 * so the two differ by shape as well as colour; the shares are in the table below it.
 */
export function DriftHistogram(props: { feature: string; window: number; histogram: Histogram; provisional: boolean }) {
  const bins = histogramBins(props.histogram);
  const max = Math.max(0.01, ...bins.flatMap((b) => [b.training, b.live]));
  const plotW = WIDTH - LABEL_W - RIGHT;
  const w = (share: number) => Math.max(share > 0 ? 1 : 0, (share / max) * plotW);
  const height = TOP + bins.length * ROW + 4;
  const summary = histogramSummary({ feature: props.feature, window: props.window, bins });

  return (
    <figure class="drift-histogram">
      <svg
        class="hbars grouped"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="xMinYMin meet"
      >
        <title>{summary}</title>
        <g class="legend">
          <rect class="bar-training" x={LABEL_W} y={6} width={14} height={BAR} />
          <text x={LABEL_W + 20} y={15}>
            Training (outlined)
          </text>
          <rect class="bar-live" x={LABEL_W + 170} y={6} width={14} height={BAR} />
          <text x={LABEL_W + 190} y={15}>
            Live (filled)
          </text>
        </g>
        <line class="axis" x1={LABEL_W} x2={LABEL_W} y1={TOP - 4} y2={height} />
        {bins.map((bin, i) => {
          const y = TOP + i * ROW;
          return (
            <g key={i}>
              <text class="bar-label" x={LABEL_W - 8} y={y + ROW / 2 + 3} text-anchor="end">
                {bin.label}
              </text>
              <rect class="bar-training" x={LABEL_W} y={y + 4} width={w(bin.training)} height={BAR} />
              <rect class="bar-live" x={LABEL_W} y={y + 4 + BAR + 2} width={w(bin.live)} height={BAR} />
            </g>
          );
        })}
      </svg>
      <figcaption class="muted">
        Window {props.window}
        {props.provisional ? ' (provisional: fewer rows than the window size)' : ''}; each bar is the share of rows in
        the bin.
      </figcaption>
      <details>
        <summary>Shares per bin of {props.feature}</summary>
        <ScrollTable caption={`Training and live shares of ${props.feature} per bin in window ${props.window}`}>
          <thead>
            <tr>
              <th scope="col">Bin</th>
              <th scope="col">Training</th>
              <th scope="col">Live</th>
            </tr>
          </thead>
          <tbody>
            {bins.map((bin, i) => (
              <tr key={i}>
                <th scope="row">{bin.label}</th>
                <td>{fmtPercent(bin.training)}</td>
                <td>{fmtPercent(bin.live)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      </details>
    </figure>
  );
}
