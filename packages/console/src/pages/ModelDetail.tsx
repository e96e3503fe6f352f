import type { ModelVersionSummary } from '@meridian/contracts';
import { BiasPanel } from '../components/BiasPanel.tsx';
import { DriftPanel } from '../components/DriftPanel.tsx';
import { ExplainPanel } from '../components/ExplainPanel.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { QualityPanel } from '../components/QualityPanel.tsx';
import { ShadowPanel } from '../components/ShadowPanel.tsx';
import { TrafficPanel } from '../components/TrafficPanel.tsx';
import { VersionsPanel } from '../components/VersionsPanel.tsx';
import { useApi } from '../use-api.ts';

/** One model: versions and their timeline, traffic, shadow, drift, quality, bias and explanations. */
export function ModelDetail(props: { name: string }) {
  const versions = useApi<ModelVersionSummary[]>(`/v1/registry/models/${encodeURIComponent(props.name)}/versions`);
  const serving =
    versions.data?.find((v) => v.stage === 'production') ??
    [...(versions.data ?? [])].sort((a, b) => Number(b.version) - Number(a.version))[0];
  return (
    <section class="model-detail">
      <PageHeading title={props.name} />
      <VersionsPanel name={props.name} versions={versions} />
      <TrafficPanel name={props.name} versions={versions.data} />
      <ShadowPanel name={props.name} />
      <DriftPanel name={props.name} />
      <QualityPanel name={props.name} />
      <BiasPanel name={props.name} />
      <ExplainPanel name={props.name} card={serving?.metadata} />
    </section>
  );
}
