import { describe, expect, it } from 'vitest';
import { assertDistinctFiles, crdSchemas, kubernetesLibrary, kubernetesSchemas } from './schemas-sources.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const objectMeta = { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object' } } };
const strictMeta = { ...objectMeta, additionalProperties: false };
const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }], default: {} });

const specDoc = {
  components: {
    schemas: {
      [META]: objectMeta,
      'io.k8s.api.core.v1.Service': {
        type: 'object',
        properties: { kind: { type: 'string' }, metadata: ref(META) },
        'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Service' }],
      },
      'io.k8s.api.apps.v1.Deployment': {
        type: 'object',
        properties: { metadata: ref(META) },
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
    },
  },
};

describe('kubernetesSchemas', () => {
  it('when documents declare kinds, then there is one standalone file per group/version/kind and none for parts', () => {
    const files = kubernetesSchemas(kubernetesLibrary([specDoc, { components: {} }, specDoc]));
    expect(files.map((f) => f.fileName)).toEqual(['deployment-apps-v1.json', 'service-v1.json']);
    expect(files[1]!.schema).toEqual({
      type: 'object',
      properties: { kind: { type: 'string' }, metadata: strictMeta },
      additionalProperties: false,
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Service' }],
    });
  });

  it('when two documents define the same name differently, then it is an error', () => {
    const other = { components: { schemas: { [META]: { type: 'object' } } } };
    expect(() => kubernetesLibrary([specDoc, other])).toThrow(`definition ${META} differs`);
  });
});

const crd = (versions: object[]) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'scaledobjects.keda.sh' },
  spec: { group: 'keda.sh', names: { kind: 'ScaledObject' }, versions },
});
const version = (name: string, served: boolean, metadata: object = { type: 'object' }) => ({
  name,
  served,
  schema: {
    openAPIV3Schema: { type: 'object', properties: { metadata, spec: { type: 'object', properties: { a: {} } } } },
  },
});

describe('crdSchemas', () => {
  const library = kubernetesLibrary([specDoc]);

  it('when a CRD has served and unserved versions, then each served one gets a strict file with ObjectMeta as metadata', () => {
    const files = crdSchemas(crd([version('v1alpha1', true), version('v0', false)]), library);
    expect(files.map((f) => [f.fileName, f.group, f.version, f.kind])).toEqual([
      ['scaledobject-keda-v1alpha1.json', 'keda.sh', 'v1alpha1', 'ScaledObject'],
    ]);
    expect(files[0]!.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        metadata: strictMeta,
        spec: { type: 'object', properties: { a: {} }, additionalProperties: false },
      },
    });
  });

  it("when a CRD constrains metadata further, then its own rule still applies beside ObjectMeta's", () => {
    const own = { type: 'object', properties: { name: { maxLength: 10 } } };
    const [file] = crdSchemas(crd([version('v1', true, own)]), library);
    expect((file!.schema.properties as Record<string, unknown>).metadata).toEqual({ allOf: [strictMeta, own] });
  });

  it('when a served version has no schema or the document is not a CRD, then it is an error', () => {
    expect(() => crdSchemas(crd([{ name: 'v1', served: true }]), library)).toThrow(/version v1 has no openAPIV3Schema/);
    expect(() => crdSchemas({ kind: 'Deployment' }, library)).toThrow();
  });
});

describe('assertDistinctFiles', () => {
  const file = (group: string, kind: string) => ({
    fileName: 'x-keda-v1.json',
    group,
    version: 'v1',
    kind,
    schema: {},
  });

  it('when two kinds would share a file name, then it names both', () => {
    expect(() => assertDistinctFiles([file('keda.sh', 'X'), file('keda.example.com', 'X')])).toThrow(
      'keda.sh/v1 X and keda.example.com/v1 X would both be x-keda-v1.json',
    );
    expect(() => assertDistinctFiles([file('keda.sh', 'X')])).not.toThrow();
  });
});
