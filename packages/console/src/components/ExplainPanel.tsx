import type { ExplainResponse, InferInputTensor, ModelCard, ModelMetadataResponse } from '@meridian/contracts';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { fmtNumber } from '../format.ts';
import { useApi } from '../use-api.ts';
import { HBarChart } from './HBarChart.tsx';
import { Remote } from './Remote.tsx';
import { ScrollTable } from './ScrollTable.tsx';

/** A starting value per input: the median of its training sample when the card has one. */
function median(card: ModelCard | undefined, input: string): string {
  const sample = card?.reference?.[input]?.sample;
  if (!sample?.length) return '0';
  const sorted = [...sample].sort((a, b) => a - b);
  return String(Number(sorted[Math.floor(sorted.length / 2)]!.toPrecision(6)));
}

const tensor = (name: string, datatype: InferInputTensor['datatype'], raw: string): InferInputTensor => ({
  name,
  datatype,
  shape: [1],
  data: datatype === 'BYTES' ? [raw] : [Number(raw)],
});

/** Per-input attributions of one prediction, from inputs typed into a form built from the model's metadata. */
export function ExplainPanel(props: { name: string; card: ModelCard | undefined }) {
  const enc = encodeURIComponent(props.name);
  const metadata = useApi<ModelMetadataResponse>(`/v2/models/${enc}`);
  const [values, setValues] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<ExplainResponse | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const explain = async (meta: ModelMetadataResponse) => {
    setBusy(true);
    setError(undefined);
    try {
      const inputs = meta.inputs.map((i) => tensor(i.name, i.datatype, values[i.name] ?? median(props.card, i.name)));
      setAnswer(await api<ExplainResponse>(`/v2/models/${enc}/explain`, { method: 'POST', body: { inputs } }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const row = answer?.attributions[0];
  return (
    <section aria-labelledby="explain-h" class="panel">
      <h2 id="explain-h">Explain a prediction</h2>
      <Remote state={metadata} notFound="The inference app has not loaded this model.">
        {(meta) => (
          <form
            class="explain-form"
            onSubmit={(e) => {
              e.preventDefault();
              void explain(meta);
            }}
          >
            <div class="form-grid">
              {meta.inputs.map((input) => {
                const shared = {
                  id: `explain-${input.name}`,
                  required: true,
                  value: values[input.name] ?? median(props.card, input.name),
                  onInput: (e: Event) =>
                    setValues({ ...values, [input.name]: (e.currentTarget as HTMLInputElement).value }),
                };
                return (
                  <p class="field" key={input.name}>
                    <label for={shared.id}>{input.name}</label>
                    {input.datatype === 'BYTES' ? (
                      <input type="text" {...shared} />
                    ) : (
                      <input type="number" step="any" {...shared} />
                    )}
                  </p>
                );
              })}
            </div>
            <button type="submit" disabled={busy}>
              {busy ? 'Explaining…' : 'Explain'}
            </button>
          </form>
        )}
      </Remote>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {answer && row && (
        <div role="status" class="explain-result">
          <p>
            v{answer.model_version} answered {fmtNumber(row.output, 4)}; attributions are relative to the baseline.
          </p>
          <HBarChart
            label={`Attributions of the prediction ${fmtNumber(row.output, 4)} by input: ${row.features
              .map((f) => `${f.name} ${fmtNumber(f.attribution, 4)}`)
              .join(', ')}`}
            bars={row.features.map((f) => ({ label: f.name, value: f.attribution }))}
            format={(n) => n.toFixed(4)}
          />
          <ScrollTable caption="Attribution per input">
            <thead>
              <tr>
                <th scope="col">Input</th>
                <th scope="col">Value</th>
                <th scope="col">Attribution</th>
              </tr>
            </thead>
            <tbody>
              {row.features.map((f) => (
                <tr key={f.name}>
                  <th scope="row">{f.name}</th>
                  <td>{fmtNumber(f.value, 4)}</td>
                  <td>{fmtNumber(f.attribution, 4)}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </div>
      )}
    </section>
  );
}
