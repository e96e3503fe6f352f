import type { DriftReport } from '@meridian/contracts';
import { useId, useState } from 'preact/hooks';
import { DriftHistogram } from './DriftHistogram.tsx';

/**
 * Training against live histograms of the report's window, one input at a time: a select
 * reads better than small multiples at both desktop and phone widths once a model has more
 * than a few numeric inputs.
 */
export function DriftDistributions(props: { report: DriftReport }) {
  const selectId = useId();
  const features = props.report.features.filter((f) => f.histogram);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const feature = features.find((f) => f.name === chosen) ?? features[0];
  if (!feature?.histogram) return null;

  return (
    <div class="drift-distributions">
      <h3>Training vs live distribution</h3>
      {features.length > 1 && (
        <p class="field">
          <label for={selectId}>Input</label>
          <select id={selectId} value={feature.name} onChange={(e) => setChosen(e.currentTarget.value)}>
            {features.map((f) => (
              <option key={f.name} value={f.name}>
                {f.kind === 'prediction' ? `${f.name} (prediction)` : f.name}
              </option>
            ))}
          </select>
        </p>
      )}
      <DriftHistogram
        feature={feature.name}
        window={props.report.window.index}
        histogram={feature.histogram}
        provisional={feature.provisional}
      />
    </div>
  );
}
