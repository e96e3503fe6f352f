import { describe, expect, it } from 'vitest';
import { compileAcl, daprAclAllows, daprAclSearch, daprPattern, parseOperation } from './dapr-acl.ts';

describe('daprAclSearch, a port of daprd 1.18 pkg/config/acl_trie.go', () => {
  // Expected answers were produced by daprd's own Trie (Go) for the same inputs.
  it('when an operation is a prefix of a path, then it governs that path', () => {
    const patterns = ['/v2', '/v2/models/*', '/v2/models/**/infer'];
    for (const path of ['/v2', '/v2/models/m', '/v2/models/m/infer', '/v2/x/y'])
      expect(daprAclSearch(patterns, path)).toBe('/v2');
  });

  it('when a wildcard sibling is listed before a literal one, then it shadows it; listed after, it does not', () => {
    expect(daprAclSearch(['/v1/features/sensor/*', '/v1/features/sensor/vectors'], '/v1/features/sensor/vectors')).toBe(
      '/v1/features/sensor/*',
    );
    expect(daprAclSearch(['/v1/features/sensor/vectors', '/v1/features/sensor/*'], '/v1/features/sensor/vectors')).toBe(
      '/v1/features/sensor/vectors',
    );
  });

  it('when /* is in the middle, then it matches nothing; /** matches exactly one segment there, and a last /* one segment', () => {
    const patterns = [
      '/v2/models/*',
      '/v2/models/**/infer',
      '/v2/models/**/versions/*',
      '/v2/models/**/versions/**/infer',
    ];
    expect(daprAclSearch(patterns, '/v2/models/m')).toBe('/v2/models/*');
    expect(daprAclSearch(patterns, '/v2/models/m/infer')).toBe('/v2/models/**/infer');
    expect(daprAclSearch(patterns, '/v2/models/m/policy')).toBeUndefined();
    expect(daprAclSearch(patterns, '/v2/models/m/versions/3')).toBe('/v2/models/**/versions/*');
    expect(daprAclSearch(patterns, '/v2/models/m/versions/3/infer')).toBe('/v2/models/**/versions/**/infer');
    expect(daprAclSearch(patterns, '/v2/models/m/versions/3/x')).toBeUndefined();
    expect(daprAclSearch(patterns, '/v2/models/m/infer/x')).toBe('/v2/models/**/infer');
    expect(daprAclSearch(['/v2/models/*/infer'], '/v2/models/m/infer')).toBeUndefined();
  });
});

describe('compileAcl', () => {
  const ops = (...list: string[]) => list.map(parseOperation);

  it('when parameters are in the middle or at the end, then they become /** and /*', () => {
    expect(daprPattern('/v2/models/{model}/versions/{version}')).toBe('/v2/models/**/versions/*');
    expect(daprPattern('/v2/Repository/index')).toBe('/v2/repository/index');
  });

  it('when a caller is listed for some operations, then exactly those verbs and paths are allowed', () => {
    const { operations, widened } = compileAcl(
      ops('POST /v2/models/{model}/infer', 'GET /v2/models/{model}', 'GET /v2/models/{model}/versions/{version}/ready'),
    );
    expect(widened).toEqual([]);
    expect(daprAclAllows(operations, 'POST', '/v2/models/m/infer')).toBe(true);
    expect(daprAclAllows(operations, 'GET', '/v2/models/m')).toBe(true);
    expect(daprAclAllows(operations, 'GET', '/v2/models/m/versions/2/ready')).toBe(true);
    expect(daprAclAllows(operations, 'GET', '/v2/models/m/infer')).toBe(false);
    expect(daprAclAllows(operations, 'PUT', '/v2/models/m/policy')).toBe(false);
    expect(daprAclAllows(operations, 'POST', '/v2/repository/models/m/load')).toBe(false);
  });

  it("when one operation is a prefix of another, then it takes the other's verbs and the widening is reported", () => {
    const { operations, widened } = compileAcl(
      ops('GET /v1/registry/models', 'POST /v1/registry/models/{model}/versions'),
    );
    expect(daprAclAllows(operations, 'POST', '/v1/registry/models/m/versions')).toBe(true);
    expect(widened).toEqual([{ operation: 'POST /v1/registry/models/**/versions', governedBy: '/v1/registry/models' }]);
  });

  it('when literal and wildcard siblings are declared in any order, then the literal is listed first and both work', () => {
    const { operations } = compileAcl(ops('GET /v1/features/sensor/{entity}', 'POST /v1/features/sensor/vectors'));
    expect(operations.map((o) => o.name)).toEqual(['/v1/features/sensor/vectors', '/v1/features/sensor/*']);
    expect(daprAclAllows(operations, 'POST', '/v1/features/sensor/vectors')).toBe(true);
    expect(daprAclAllows(operations, 'GET', '/v1/features/sensor/7')).toBe(true);
    expect(daprAclAllows(operations, 'POST', '/v1/features/sensor/7')).toBe(false);
  });

  it('when gRPC methods are listed, then each matches its own spelling only, and no HTTP call matches them', () => {
    const service = '/inference.GRPCInferenceService';
    const { operations } = compileAcl(ops(`GRPC ${service}/ModelInfer`, `GRPC ${service}/ServerLive`, 'GET /v2'));
    expect(operations.map((o) => [o.name, o.httpVerb])).toEqual([
      ['/inference.*****nference*ervice/*erver*ive', []],
      ['/inference.*****nference*ervice/*odel*nfer', []],
      ['/v2', ['GET']],
    ]);
    expect(daprAclAllows(operations, 'GRPC', `${service}/ModelInfer`)).toBe(true);
    expect(daprAclAllows(operations, 'GRPC', `${service}/ServerLive`)).toBe(true);
    expect(daprAclAllows(operations, 'GRPC', `${service}/ModelMetadata`)).toBe(false);
    expect(daprAclAllows(operations, 'GRPC', '/other.GRPCInferenceService/ModelInfer')).toBe(false);
    for (const verb of ['GET', 'POST'])
      expect(daprAclAllows(operations, verb, `${service}/ModelInfer`.toLowerCase())).toBe(false);
    expect(() => parseOperation('GRPC /inference.GRPCInferenceService/Model/Infer')).toThrow(/GRPC \/package/);
  });
});
