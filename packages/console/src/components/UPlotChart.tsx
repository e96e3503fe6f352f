import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** Series colours, each at least 4.5:1 against the white chart background. */
export const PALETTE = ['#0b57d0', '#b3261e', '#1e6b34', '#7b3fa0', '#8a4b00', '#00607a'];

/** A time axis at least `seconds` wide: a few readings close together would otherwise span years of ticks. */
export const timeScale = (seconds: number): uPlot.Scale => ({
  time: true,
  range: (_u, min, max) => (max - min < seconds ? [max - seconds, max] : [min, max]),
});

/**
 * A uPlot chart that fills its container's width. The wrapper is one image to assistive
 * technology (role="img" with `label`); each use puts a table of the values beside it.
 * `options` must keep its identity between renders (useMemo): a new object rebuilds the chart.
 */
export function UPlotChart(props: {
  label: string;
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  class?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data = useRef(props.data);
  data.current = props.data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(120, Math.floor(el.clientWidth));
    const plot = new uPlot({ ...props.options, width: width(), height: props.height }, data.current, el);
    chart.current = plot;
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: props.height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [props.options, props.height]);

  useEffect(() => {
    chart.current?.setData(props.data);
  }, [props.data]);

  return <div ref={box} class={`chart ${props.class ?? ''}`} role="img" aria-label={props.label} />;
}
