import type { ModelPolicy, ModelSummary, ModelVersionSummary, SloReport } from '@meridian/contracts';
import { Link } from '../components/Link.tsx';
import { Sparkline } from '../components/Sparkline.tsx';
import { fmtMs, fmtNumber, fmtPercent, ratePerSecond } from '../format.ts';
import { useLive } from '../live.ts';
import { hrefFor } from '../router.ts';
import { describeSplit, trafficSplit } from '../traffic.ts';
import { useApi } from '../use-api.ts';

const path = (name: string) => encodeURIComponent(name);

/** One model of the Models table; its cells fetch their own reports so one slow app delays only its cells. */
export function ModelRow(props: { model: ModelSummary }) {
  const { name } = props.model;
  const versions = useApi<ModelVersionSummary[]>(`/v1/registry/models/${path(name)}/versions`, { refreshMs: 60_000 });
  const slo = useApi<SloReport>(`/v1/monitor/models/${path(name)}/slo`, { refreshMs: 15_000 });
  const policy = useApi<ModelPolicy>(`/v2/models/${path(name)}/policy`, { refreshMs: 30_000 });
  const live = useLive();
  const report = slo.data;
  const noSlo = slo.error ? (slo.error.status === 404 ? 'no requests yet' : 'unavailable') : undefined;
  const rate = report ? ratePerSecond(report.window.requests, report.window.from, report.window.to) : null;

  return (
    <tr>
      <th scope="row">
        <Link href={hrefFor({ page: 'model', name })}>{name}</Link>
      </th>
      <td>
        {versions.data ? (
          <ul class="stages">
            {[...versions.data]
              .sort((a, b) => Number(b.version) - Number(a.version))
              .map((v) => (
                <li key={v.version}>
                  v{v.version} <span class={`stage stage-${v.stage}`}>{v.stage}</span>
                </li>
              ))}
          </ul>
        ) : (
          <span class="muted">{versions.error ? versions.error.message : `${props.model.versions} versions`}</span>
        )}
      </td>
      {noSlo ? (
        <td colSpan={4} class="muted">
          {noSlo}
        </td>
      ) : (
        <>
          <td class="num">{fmtNumber(rate, 2)}</td>
          <td class="num">{fmtMs(report?.latency_ms.p50)}</td>
          <td class={report?.met.latency_p99 === false ? 'num bad' : 'num'}>{fmtMs(report?.latency_ms.p99)}</td>
          <td class={report?.met.error_rate === false ? 'num bad' : 'num'}>{fmtPercent(report?.error_rate, 2)}</td>
        </>
      )}
      <td>
        {policy.data ? (
          describeSplit(trafficSplit(policy.data, props.model.production_version))
        ) : (
          <span class="muted">{policy.error?.status === 404 ? 'not loaded' : policy.error ? 'unavailable' : '…'}</span>
        )}
      </td>
      <td>
        <Sparkline model={name} series={live.predictions.get(name)} />
      </td>
    </tr>
  );
}
