import type { DriftHistory, DriftReport } from '@meridian/contracts';
import { useCallback, useEffect, useMemo, useRef } from 'preact/hooks';
import { driftFeatureNames, driftPoints } from '../drift-history.ts';
import { fmtNumber } from '../format.ts';
import { live, useLiveEvent } from '../live.ts';
import { useApi } from '../use-api.ts';
import { DriftChart } from './DriftChart.tsx';
import { DriftDistributions } from './DriftDistributions.tsx';
import { DriftWindowsTable } from './DriftWindowsTable.tsx';
import { Remote } from './Remote.tsx';

const REFRESH_MS = 10_000;

/**
 * Reloads the report and the history together, at most every REFRESH_MS: when the live stream
 * says new predictions of the model arrived or an alert was raised for it, or every time while
 * the stream is not open (nothing would tell us then). One timer for the panel, none per chart.
 */
function useDriftRefresh(o: { name: string; reload: () => void }): void {
  const { name, reload } = o;
  const changed = useRef(false);
  const lastCount = useRef<number | undefined>(undefined);
  const onPredictions = useCallback(
    (data: { per_model: Record<string, number> }) => {
      const count = data.per_model[name];
      if (count !== lastCount.current) changed.current = true;
      lastCount.current = count;
    },
    [name],
  );
  const onAlert = useCallback((alert: { model: string }) => alert.model === name && reload(), [name, reload]);
  useLiveEvent('predictions', onPredictions);
  useLiveEvent('alert', onAlert);
  useEffect(() => {
    const handle = setInterval(() => {
      if (!changed.current && live.status === 'open') return;
      changed.current = false;
      reload();
    }, REFRESH_MS);
    return () => clearInterval(handle);
  }, [reload]);
}

/** Data drift per input (PSI and Kolmogorov–Smirnov against the training distribution) over the version's windows. */
export function DriftPanel(props: { name: string }) {
  const enc = encodeURIComponent(props.name);
  const drift = useApi<DriftReport>(`/v1/monitor/models/${enc}/drift`);
  const report = drift.data;
  // The history of the version the report is about, so the open window continues its line.
  const history = useApi<DriftHistory>(
    report && !report.not_monitored
      ? `/v1/monitor/models/${enc}/drift/history?version=${encodeURIComponent(report.version)}`
      : null,
  );
  const reloadDrift = drift.reload;
  const reloadHistory = history.reload;
  const reload = useCallback(() => {
    reloadDrift();
    reloadHistory();
  }, [reloadDrift, reloadHistory]);
  useDriftRefresh({ name: props.name, reload });
  const points = useMemo(() => driftPoints({ history: history.data, report }), [history.data, report]);
  const features = useMemo(() => driftFeatureNames(points), [points]);

  return (
    <section aria-labelledby="drift-h" class="panel">
      <h2 id="drift-h">Drift</h2>
      <Remote state={drift} notFound="No drift report: the registry does not know this model.">
        {(r) =>
          r.not_monitored ? (
            <p class="muted">
              Drift is not monitored for v{r.version}: {r.not_monitored}
            </p>
          ) : (
            <>
              <p>
                Version v{r.version}, window {r.window.index}: {r.window.rows} of {r.window.size} rows
                {r.provisional ? ' (provisional: the window is not full yet, no alert is raised)' : ''}.{' '}
                {r.drifted ? <strong class="bad">Drift detected.</strong> : <span class="good">No drift.</span>}
                <span class="muted">
                  {' '}
                  Thresholds: PSI {fmtNumber(r.thresholds.psi, 3)} or more, KS p-value under{' '}
                  {fmtNumber(r.thresholds.ks_p_value, 4)}.
                </span>
              </p>
              {history.error && history.error.status !== 404 && (
                <p role="alert" class="error">
                  Drift history: {history.error.message}
                </p>
              )}
              <div class="charts">
                <DriftChart
                  title="PSI per input"
                  points={points}
                  features={features}
                  metric="psi"
                  threshold={r.thresholds.psi}
                  driftWhen="above"
                />
                <DriftChart
                  title="KS p-value per input"
                  points={points}
                  features={features}
                  metric="ks_p_value"
                  threshold={r.thresholds.ks_p_value}
                  driftWhen="below"
                />
              </div>
              <DriftWindowsTable
                caption={`Drift per window of ${props.name} v${r.version}`}
                points={points}
                features={features}
              />
              <DriftDistributions report={r} />
            </>
          )
        }
      </Remote>
    </section>
  );
}
