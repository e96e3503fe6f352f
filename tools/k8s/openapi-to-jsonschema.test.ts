import { describe, expect, it } from 'vitest';
import { DefinitionLibrary, schemaFileName, toStrict } from './openapi-to-jsonschema.ts';

describe('schemaFileName', () => {
  it("when given a group/version/kind, then it is kubeconform's {kind}{-group}-{version}.json, lower-cased", () => {
    expect(schemaFileName('apps', 'v1', 'Deployment')).toBe('deployment-apps-v1.json');
    expect(schemaFileName('', 'v1', 'Service')).toBe('service-v1.json');
    expect(schemaFileName('networking.k8s.io', 'v1', 'NetworkPolicy')).toBe('networkpolicy-networking-v1.json');
    expect(schemaFileName('keda.sh', 'v1alpha1', 'ScaledObject')).toBe('scaledobject-keda-v1alpha1.json');
  });
});

describe('toStrict', () => {
  it('when objects list their properties, then each one, however deep, rejects other fields', () => {
    const out = toStrict({
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { a: { type: 'string' } } },
        list: { type: 'array', items: { type: 'object', properties: { b: { type: 'integer' } } } },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { c: { type: 'string' } } } },
      },
    });
    expect(out).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        spec: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
        list: {
          type: 'array',
          items: { type: 'object', properties: { b: { type: 'integer' } }, additionalProperties: false },
        },
        map: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { c: { type: 'string' } }, additionalProperties: false },
        },
      },
    });
  });

  it('when a schema keeps unknown fields or states additionalProperties, then it is left open as declared', () => {
    const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: {} } };
    const declared = { type: 'object', properties: { a: {} }, additionalProperties: true };
    expect(toStrict(open)).not.toHaveProperty('additionalProperties');
    expect(toStrict(declared).additionalProperties).toBe(true);
  });

  it('when properties sit inside anyOf/oneOf/allOf/not, then no level below is closed', () => {
    const branch = { properties: { spec: { properties: { a: { minimum: 1 } } } } };
    const out = toStrict({ anyOf: [branch], oneOf: [branch], allOf: [branch], not: branch });
    expect(JSON.stringify(out)).not.toContain('additionalProperties');
  });

  it('when a schema carries prose, then the prose goes but a property named like a keyword stays', () => {
    const out = toStrict({
      description: 'prose',
      properties: { description: { type: 'string', description: 'x' }, $ref: { type: 'string' } },
    });
    expect(out).toEqual({
      properties: { description: { type: 'string' }, $ref: { type: 'string' } },
      additionalProperties: false,
    });
  });

  it('when a field is nullable, then null is allowed explicitly, since draft 4 knows no nullable', () => {
    expect(toStrict({ type: 'string', nullable: true, enum: ['a'] })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toStrict({ anyOf: [{ type: 'integer' }], nullable: true })).toEqual({
      anyOf: [{ type: 'null' }, { anyOf: [{ type: 'integer' }] }],
    });
    expect(toStrict({ type: 'string' })).toEqual({ type: 'string' });
  });
});

describe('DefinitionLibrary.standalone', () => {
  const lib = new DefinitionLibrary({
    Meta: { type: 'object', properties: { name: { type: 'string' } } },
    Spec: { type: 'object', properties: { meta: { allOf: [{ $ref: '#/components/schemas/Meta' }], default: {} } } },
    Node: { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' }, v: { type: 'string' } } },
  });

  it("when the root refers to definitions, also through Kubernetes' allOf wrappers, then they are inlined strict", () => {
    const out = lib.standalone({ type: 'object', properties: { spec: { $ref: '#/components/schemas/Spec' } } });
    const meta = { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false };
    expect(out).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: { spec: { type: 'object', properties: { meta }, additionalProperties: false } },
    });
  });

  it('when a ref is wrapped beside a validating keyword, then the allOf stays so that keyword still applies', () => {
    const out = lib.standalone({ allOf: [{ $ref: '#/components/schemas/Meta' }], minProperties: 1 });
    expect(out).toEqual({
      minProperties: 1,
      allOf: [{ type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false }],
    });
  });

  it('when a definition refers to itself, then it is inlined once and then refers to its own entry in definitions', () => {
    const out = lib.standalone({ $ref: '#/components/schemas/Node' });
    const self = { $ref: '#/definitions/Node' };
    const node = { type: 'object', properties: { child: self, v: { type: 'string' } }, additionalProperties: false };
    expect(out).toEqual({ ...node, definitions: { Node: node } });
  });

  it('when a ref names nothing in the library, then it is an error naming the ref', () => {
    expect(() => lib.standalone({ $ref: '#/components/schemas/Missing' })).toThrow(
      'unresolvable $ref #/components/schemas/Missing',
    );
  });
});
