import type { Express, Request } from 'express';
import { z } from 'zod';
import {
  ARTIFACT_SHA256_HEADER,
  RegisterVersionRequest,
  RegistryName,
  RegistryVersion,
  RollbackRequest,
  StageChangeRequest,
} from '@meridian/contracts';
import { callerSubject, parseOrThrow } from '@meridian/service-kit';
import { changeStage, rollback } from '../domain/change-stage.ts';
import type { RegistryDeps } from '../domain/deps.ts';
import { getVersion, listModels, listVersions, readArtifact } from '../domain/queries.ts';
import { registerVersion } from '../domain/register-version.ts';

const ModelParams = z.object({ name: RegistryName });
const VersionParams = z.object({ name: RegistryName, version: RegistryVersion });

const model = (req: Request) => parseOrThrow(ModelParams, req.params, 'path').name;
const version = (req: Request) => parseOrThrow(VersionParams, req.params, 'path');
/** Who asked: the verified token's subject when the gateway forwarded the call, else the calling app (never the body). */
const subject = (req: Request) => callerSubject(req);

export function registryRoutes(app: Express, deps: RegistryDeps): void {
  const base = '/v1/registry/models';

  app.get(base, async (_req, res) => void res.json(await listModels(deps)));

  app.post(`${base}/:name/versions`, async (req, res) => {
    const name = model(req);
    const body = parseOrThrow(RegisterVersionRequest, req.body, 'registration');
    const by = subject(req);
    const record = await registerVersion(deps, {
      name,
      artifact: Buffer.from(body.artifact, 'base64'),
      artifactFile: body.artifact_file,
      card: body.metadata,
      codeVersion: body.code_version,
      registeredBy: by,
      by,
    });
    res.status(201).location(`${base}/${name}/versions/${record.version}`).json(record);
  });

  app.get(`${base}/:name/versions`, async (req, res) => void res.json(await listVersions(deps, model(req))));

  app.get(`${base}/:name/versions/:version`, async (req, res) => void res.json(await getVersion(deps, version(req))));

  app.get(`${base}/:name/versions/:version/artifact`, async (req, res) => {
    const { record, bytes } = await readArtifact(deps, version(req));
    res.setHeader(ARTIFACT_SHA256_HEADER, record.artifact.sha256);
    res.setHeader('content-disposition', `attachment; filename="${record.artifact.file}"`);
    res.type('application/octet-stream').send(bytes);
  });

  app.post(`${base}/:name/versions/:version/stage`, async (req, res) => {
    const { name, version: v } = version(req);
    const body = parseOrThrow(StageChangeRequest, req.body, 'stage change');
    res.json(
      await changeStage(deps, {
        name,
        version: v,
        to: body.stage,
        reason: body.reason,
        by: subject(req),
        expectedProduction: body.expected_production_version,
      }),
    );
  });

  app.post(`${base}/:name/rollback`, async (req, res) => {
    const body = parseOrThrow(RollbackRequest, req.body, 'rollback');
    res.json(
      await rollback(deps, {
        name: model(req),
        reason: body.reason,
        by: subject(req),
        expectedProduction: body.expected_production_version,
      }),
    );
  });
}
