import { z } from 'zod';
import {
  AgentMessageRequest,
  ApprovalDecision,
  InferRequest,
  LabelBatch,
  ModelPolicy,
  RegisterVersionRequest,
  RollbackRequest,
  RUN_LIST_MAX,
  StageChangeRequest,
  StartRunRequest,
  type Role,
} from '@meridian/contracts';
import { EDGE_APP_ID } from '@meridian/service-kit';
import type { RouteClass } from '../domain/rate-limits.ts';

/**
 * The only way a request reaches an app: one entry per (method, path). A
 * request that matches none is 404; a path spelled any other way than the
 * entry's (case, dot segments, encoded characters, slashes) is refused before
 * anything else. The forwarded path is rebuilt from the entry and its
 * validated parameters, never taken from the caller's URL.
 */
export interface EdgeRoute {
  /** Names the route in logs and audit records (`<app>.<operation>`). */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * The one accepted spelling, with `{param}` segments (checked against PARAMS); the last may be
   * `{param+}`, one or more segments (the console's pages). A trailing slash is accepted only where written here.
   */
  path: string;
  /** Who may call it; empty only on a public route. */
  roles: Role[];
  /**
   * No token asked: the console's files, which load before sign-in and hold no data. Only GET (and so HEAD),
   * answered by the gateway itself, with no role (route-table.test.ts holds every route to that). Its query is
   * the page's own, neither checked nor used.
   */
  public?: true;
  class: RouteClass;
  /** The app it is forwarded to, at the same path; `gateway` when the gateway answers itself. */
  app: string;
  /** Query parameters the target understands, each validated; any other is refused. */
  query?: Record<string, z.ZodType<string>>;
  /** The body, validated here before it travels (the target validates again). */
  body?: z.ZodType;
  /** An admin action: written to the audit log before it is forwarded. */
  audit?: true;
  /** An infer route: under load its requests travel to the app together (routes/infer-batching.ts). */
  batch?: true;
}

/** What a path parameter may be: names that are safe in any path, key or file name. */
export const PARAMS: Record<string, RegExp> = {
  model: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  version: /^[1-9][0-9]{0,8}$/,
  id: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/,
  stream: /^[a-z][a-z0-9-]{0,63}$/,
  entity: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  /** A console page or file: up to 16 segments, none starting with a dot (no `..`, no dotfiles). */
  page: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,15}$/,
};

const READ: Role[] = ['predict', 'admin'];
const ADMIN: Role[] = ['admin'];
const INGEST: Role[] = ['ingest', 'admin'];
const DOWNLOAD: Role[] = ['model-download', 'admin'];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD');
const positive = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a positive number')
  .max(12);
const csv = z.string().regex(/^[A-Za-z0-9_,-]{1,1000}$/, 'a comma-separated list of names');
const anyRecords = z.array(z.unknown()).min(1, 'a batch has at least one record');

/** One app's routes before the app is filled in: the route's id is `<app>.<op>`. */
type AppRoute = Omit<EdgeRoute, 'id' | 'app'> & { op: string };

/** Each app id is written once: the table checks against apps/apps.json (route-table.test.ts). */
const servedBy = (app: string, routes: AppRoute[]): EdgeRoute[] =>
  routes.map(({ op, ...route }) => ({ id: `${app}.${op}`, ...route, app }));

const oip = (base: string, opPrefix: string): AppRoute[] => [
  { op: `${opPrefix}metadata`, method: 'GET', path: base, roles: READ, class: 'read' },
  { op: `${opPrefix}ready`, method: 'GET', path: `${base}/ready`, roles: READ, class: 'read' },
  {
    op: `${opPrefix}infer`,
    method: 'POST',
    path: `${base}/infer`,
    roles: READ,
    class: 'infer',
    body: InferRequest,
    batch: true,
  },
  {
    op: `${opPrefix}explain`,
    method: 'POST',
    path: `${base}/explain`,
    roles: READ,
    class: 'infer',
    body: InferRequest,
  },
];

/** The web console (a single-page app): its index at /console and /console/, its files and pages below. */
const consoleFile = (op: string, path: string): AppRoute => ({
  op,
  method: 'GET',
  path,
  roles: [],
  public: true,
  class: 'static',
});
export const CONSOLE_ROUTES: EdgeRoute[] = servedBy(EDGE_APP_ID, [
  consoleFile('console', '/console'),
  consoleFile('console-root', '/console/'),
  consoleFile('console-page', '/console/{page+}'),
]);

export const EDGE_ROUTES: EdgeRoute[] = [
  // Open Inference Protocol v2
  ...servedBy('inference', [
    { op: 'server', method: 'GET', path: '/v2', roles: READ, class: 'read' },
    { op: 'health-live', method: 'GET', path: '/v2/health/live', roles: READ, class: 'read' },
    { op: 'health-ready', method: 'GET', path: '/v2/health/ready', roles: READ, class: 'read' },
    ...oip('/v2/models/{model}', 'model-'),
    ...oip('/v2/models/{model}/versions/{version}', 'version-'),
    { op: 'policy', method: 'GET', path: '/v2/models/{model}/policy', roles: READ, class: 'read' },
    {
      op: 'set-policy',
      method: 'PUT',
      path: '/v2/models/{model}/policy',
      roles: ADMIN,
      class: 'admin',
      body: ModelPolicy,
      audit: true,
    },
    { op: 'shadow', method: 'GET', path: '/v2/models/{model}/shadow', roles: READ, class: 'read' },
    { op: 'index', method: 'POST', path: '/v2/repository/index', roles: ADMIN, class: 'admin' },
    {
      op: 'load',
      method: 'POST',
      path: '/v2/repository/models/{model}/load',
      roles: ADMIN,
      class: 'admin',
      audit: true,
    },
    {
      op: 'unload',
      method: 'POST',
      path: '/v2/repository/models/{model}/unload',
      roles: ADMIN,
      class: 'admin',
      audit: true,
    },
  ]),
  // Monitoring
  ...servedBy('monitor', [
    { op: 'predictions', method: 'GET', path: '/v1/monitor/predictions', roles: READ, class: 'read' },
    { op: 'prediction', method: 'GET', path: '/v1/monitor/predictions/{id}', roles: READ, class: 'read' },
    {
      op: 'pipeline',
      method: 'GET',
      path: '/v1/monitor/pipeline',
      roles: READ,
      class: 'read',
      query: { entities: csv },
    },
    { op: 'alerts', method: 'GET', path: '/v1/monitor/alerts', roles: READ, class: 'read' },
    ...(['drift', 'bias', 'slo', 'quality'] as const).map(
      (report): AppRoute => ({
        op: report,
        method: 'GET',
        path: `/v1/monitor/models/{model}/${report}`,
        roles: READ,
        class: 'read',
        ...(report === 'drift' ? { query: { version: z.string().regex(PARAMS.version!, 'a version number') } } : {}),
      }),
    ),
    {
      op: 'drift-history',
      method: 'GET',
      path: '/v1/monitor/models/{model}/drift/history',
      roles: READ,
      class: 'read',
      query: { version: z.string().regex(PARAMS.version!, 'a version number') },
    },
    { op: 'labels', method: 'POST', path: '/v1/labels', roles: INGEST, class: 'ingest', body: LabelBatch },
  ]),
  // Ingestion
  ...servedBy('ingestion', [
    { op: 'streams', method: 'GET', path: '/v1/ingest/streams', roles: INGEST, class: 'read' },
    { op: 'stats', method: 'GET', path: '/v1/ingest/streams/{stream}/stats', roles: INGEST, class: 'read' },
    { op: 'ingest', method: 'POST', path: '/v1/ingest/{stream}', roles: INGEST, class: 'ingest', body: anyRecords },
  ]),
  // Registry
  ...servedBy('registry', [
    { op: 'models', method: 'GET', path: '/v1/registry/models', roles: READ, class: 'read' },
    { op: 'versions', method: 'GET', path: '/v1/registry/models/{model}/versions', roles: READ, class: 'read' },
    {
      op: 'version',
      method: 'GET',
      path: '/v1/registry/models/{model}/versions/{version}',
      roles: READ,
      class: 'read',
    },
    {
      op: 'artifact',
      method: 'GET',
      path: '/v1/registry/models/{model}/versions/{version}/artifact',
      roles: DOWNLOAD,
      class: 'read',
      audit: true,
    },
    {
      op: 'register',
      method: 'POST',
      path: '/v1/registry/models/{model}/versions',
      roles: ADMIN,
      class: 'admin',
      body: RegisterVersionRequest,
      audit: true,
    },
    {
      op: 'stage',
      method: 'POST',
      path: '/v1/registry/models/{model}/versions/{version}/stage',
      roles: ADMIN,
      class: 'admin',
      body: StageChangeRequest,
      audit: true,
    },
    {
      op: 'rollback',
      method: 'POST',
      path: '/v1/registry/models/{model}/rollback',
      roles: ADMIN,
      class: 'admin',
      body: RollbackRequest,
      audit: true,
    },
  ]),
  // Training
  ...servedBy('training', [
    {
      op: 'start',
      method: 'POST',
      path: '/v1/training/runs',
      roles: ADMIN,
      class: 'admin',
      body: StartRunRequest,
      audit: true,
    },
    {
      op: 'runs',
      method: 'GET',
      path: '/v1/training/runs',
      roles: ADMIN,
      class: 'read',
      query: {
        limit: z
          .string()
          .regex(/^[1-9][0-9]{0,2}$/, `a number of runs (at most ${RUN_LIST_MAX})`)
          .refine((v) => Number(v) <= RUN_LIST_MAX, `a number of runs (at most ${RUN_LIST_MAX})`),
      },
    },
    { op: 'run', method: 'GET', path: '/v1/training/runs/{id}', roles: ADMIN, class: 'read' },
  ]),
  // Features: online vectors are read like predictions; the offline log (training data) is for admins.
  ...servedBy('features', [
    {
      op: 'online',
      method: 'GET',
      path: '/v1/features/sensor/{entity}',
      roles: READ,
      class: 'read',
      query: { window: positive, stats: csv, seconds: positive },
    },
    { op: 'stats', method: 'GET', path: '/v1/features/stats', roles: READ, class: 'read' },
    {
      op: 'offline',
      method: 'GET',
      path: '/v1/features/offline',
      roles: ADMIN,
      class: 'admin',
      query: { from: day, to: day, entity: z.string().regex(PARAMS.entity!) },
      audit: true,
    },
  ]),
  // Agents: a session is the caller's own (scoped by the token's subject); approvals are for admins.
  ...servedBy('agents', [
    {
      op: 'message',
      method: 'POST',
      path: '/v1/agents/sessions/{id}/messages',
      roles: READ,
      class: 'infer',
      body: AgentMessageRequest,
    },
    { op: 'session', method: 'GET', path: '/v1/agents/sessions/{id}', roles: READ, class: 'read' },
    { op: 'erase', method: 'DELETE', path: '/v1/agents/sessions/{id}', roles: READ, class: 'read', audit: true },
    { op: 'approvals', method: 'GET', path: '/v1/agents/approvals', roles: ADMIN, class: 'admin' },
    {
      op: 'decide',
      method: 'POST',
      path: '/v1/agents/approvals/{id}',
      roles: ADMIN,
      class: 'admin',
      body: ApprovalDecision,
      audit: true,
    },
    { op: 'mote', method: 'GET', path: '/v1/agents/motes/{entity}', roles: READ, class: 'read' },
    { op: 'incidents', method: 'GET', path: '/v1/agents/incidents', roles: READ, class: 'read' },
  ]),
  // The gateway's own
  ...CONSOLE_ROUTES,
  ...servedBy(EDGE_APP_ID, [
    // Server-sent events for the console: alerts and prediction counts (read roles), runs (admin only, per event).
    { op: 'events', method: 'GET', path: '/v1/events', roles: READ, class: 'stream' },
    {
      op: 'audit',
      method: 'GET',
      path: '/v1/audit',
      roles: ADMIN,
      class: 'admin',
      query: {
        from: z.string().max(40),
        to: z.string().max(40),
        limit: z.string().regex(/^\d{1,4}$/),
        subject: z.string().max(200),
        action: z.string().max(100),
      },
    },
  ]),
];
