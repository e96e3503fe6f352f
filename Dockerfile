# Meridian's app images: one build target per app in apps/apps.json (tools/images-plan.test.ts
# fails when they drift). Build them all with `npm run images`, or one by hand:
#   docker build --target gateway --tag meridian/gateway:0.1.0 .
# How and why: docs/images.md.
#
# Stages:
#   manifests         the package files only, so dependency layers survive source edits
#   deps-<app>        `npm ci --omit=dev --workspace apps/<app>`: that app's production dependencies
#   bundle            every app's TypeScript bundled to one ESM file (esbuild); npm packages stay external
#   console           the web console's static build (Vite), which the gateway serves at /console
#   runtime           the base every app image shares: no npm, a non-root user, nothing writable
#   <app>             runtime + deps-<app> + the app's bundle; the targets to build

# Any Debian-based Node 20 image (the official ones put node in /usr/local/bin).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# Workspaces' devDependencies are for their tests. npm installs those of every workspace an app
# depends on (ml's onnxruntime-node would land in monitor), so they leave the manifests and the lockfile.
RUN mkdir /manifests \
 && cp package.json .npmrc /manifests/ \
 && for f in apps/*/package.json packages/*/package.json tools/package.json; do \
      mkdir -p "/manifests/${f%/package.json}" && cp "$f" "/manifests/$f"; \
    done \
 && node -e ' \
      const fs = require("node:fs"); \
      const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")); \
      for (const [path, entry] of Object.entries(lock.packages)) { \
        if (path === "" || path.includes("node_modules/") || !entry.devDependencies) continue; \
        const file = `/manifests/${path}/package.json`; \
        const manifest = JSON.parse(fs.readFileSync(file, "utf8")); \
        delete manifest.devDependencies; \
        delete entry.devDependencies; \
        fs.writeFileSync(file, JSON.stringify(manifest, null, 2)); \
      } \
      fs.writeFileSync("/manifests/package-lock.json", JSON.stringify(lock, null, 2));'

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
# .npmrc: no install scripts run (onnxruntime-node ships its CPU binaries).
ENV NPM_CONFIG_UPDATE_NOTIFIER=false

FROM ${NODE_IMAGE} AS bundle
WORKDIR /src
COPY --from=manifests /manifests/package-lock.json ./
# The esbuild the lockfile pins (tsx's), alone: the rest of the dev tree is not needed to bundle.
RUN npm install --prefix /opt/esbuild --no-save --ignore-scripts --no-audit --no-fund \
      "esbuild@$(node -p 'require("./package-lock.json").packages["node_modules/esbuild"].version')"
COPY . .
# Workspace packages (@meridian/<dir> -> packages/<dir>/src/index.ts) are bundled in; any other
# package is imported from node_modules at run time. Names are not kept (packages/platform/src/app-bundle.ts).
# A @meridian import left external would fail at start, so it fails here.
RUN set -eu; aliases=""; \
    for p in packages/*/package.json; do \
      d="${p%/package.json}"; aliases="$aliases --alias:@meridian/${d#packages/}=./$d/src/index.ts"; \
    done; \
    node -p 'require("./apps/apps.json").apps.map((a) => `${a.id} ${a.entry}`).join("\n")' | \
    while read -r id entry; do \
      /opt/esbuild/node_modules/.bin/esbuild "$entry" --bundle --platform=node --format=esm --target=node20 \
        --packages=external $aliases --sourcemap --log-level=warning --outfile="/out/$id/main.mjs"; \
      if grep -nE '(from|import)[ (]*"@meridian/' "/out/$id/main.mjs"; then \
        echo "$id imports a @meridian package that is not in packages/ (see above)" >&2; exit 1; \
      fi; \
    done

FROM ${NODE_IMAGE} AS console
WORKDIR /src
COPY --from=manifests /manifests/package-lock.json ./
# The web console (Preact, uPlot) built by the Vite the lockfile pins; the gateway serves dist/.
RUN npm install --prefix /opt/vite --no-save --ignore-scripts --no-audit --no-fund \
      "vite@$(node -p 'require("./package-lock.json").packages["node_modules/vite"].version')"
COPY . .
RUN npm ci --workspace packages/console --ignore-scripts --no-audit --no-fund \
 && cd packages/console && /opt/vite/node_modules/.bin/vite build --logLevel warn

FROM ${NODE_IMAGE} AS runtime
# The image runs node and nothing else: npm, npx, corepack and yarn are removed. uid/gid 10001
# (numeric in USER, so Kubernetes' runAsNonRoot can verify it) owns only /var/lib/meridian.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --gid 10001 meridian \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin meridian \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/meridian
WORKDIR /app
# APP_HOST: in a container (or pod) the app must answer on the container's address for the
# kubelet's probes; the app's own default is loopback. Version labels come from `npm run images`.
ENV NODE_ENV=production \
    APP_HOST=0.0.0.0
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.APP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "/app/main.mjs"]

# ---- one pair of stages per app (ids and ports from apps/apps.json) ----

FROM deps AS deps-gateway
RUN npm ci --omit=dev --workspace apps/gateway && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS gateway
COPY --from=deps-gateway /app/node_modules /app/node_modules
COPY --from=bundle /out/gateway/ /app/
COPY --from=console /src/packages/console/dist/ /app/console/
ENV APP_ID=gateway APP_PORT=8080 CONSOLE_DIR=/app/console
EXPOSE 8080

FROM deps AS deps-inference
# Of onnxruntime-node's prebuilt binaries (darwin, linux, win32; x64, arm64) only this platform's
# stay: about 215 MB less. `test -f` fails the build if a new version moves them.
RUN npm ci --omit=dev --workspace apps/inference && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete \
 && arch="$(node -p process.arch)" \
 && for d in node_modules/onnxruntime-node/bin/napi-v*/*; do [ "${d##*/}" = linux ] || rm -rf "$d"; done \
 && for d in node_modules/onnxruntime-node/bin/napi-v*/linux/*; do [ "${d##*/}" = "$arch" ] || rm -rf "$d"; done \
 && test -f node_modules/onnxruntime-node/bin/napi-v*/linux/"$arch"/onnxruntime_binding.node
FROM runtime AS inference
COPY --from=deps-inference /app/node_modules /app/node_modules
COPY --from=bundle /out/inference/ /app/
# The model repository is a cache the app fills from the registry: mount a volume (an emptyDir).
ENV APP_ID=inference APP_PORT=8081 MODEL_REPOSITORY=/var/lib/meridian/models
RUN mkdir -m 0700 /var/lib/meridian/models
VOLUME /var/lib/meridian/models
EXPOSE 8081

FROM deps AS deps-monitor
RUN npm ci --omit=dev --workspace apps/monitor && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS monitor
COPY --from=deps-monitor /app/node_modules /app/node_modules
COPY --from=bundle /out/monitor/ /app/
ENV APP_ID=monitor APP_PORT=8082
EXPOSE 8082

FROM deps AS deps-registry
RUN npm ci --omit=dev --workspace apps/registry && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS registry
COPY --from=deps-registry /app/node_modules /app/node_modules
COPY --from=bundle /out/registry/ /app/
ENV APP_ID=registry APP_PORT=8083
EXPOSE 8083

FROM deps AS deps-training
RUN npm ci --omit=dev --workspace apps/training && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS training
COPY --from=deps-training /app/node_modules /app/node_modules
COPY --from=bundle /out/training/ /app/
# Runs keep their artifacts here between workflow steps, across restarts: mount a persistent volume.
ENV APP_ID=training APP_PORT=8084 TRAINING_WORK_DIR=/var/lib/meridian/training-runs
RUN mkdir -m 0700 /var/lib/meridian/training-runs
VOLUME /var/lib/meridian/training-runs
EXPOSE 8084

FROM deps AS deps-ingestion
RUN npm ci --omit=dev --workspace apps/ingestion && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS ingestion
COPY --from=deps-ingestion /app/node_modules /app/node_modules
COPY --from=bundle /out/ingestion/ /app/
ENV APP_ID=ingestion APP_PORT=8085
EXPOSE 8085

FROM deps AS deps-features
RUN npm ci --omit=dev --workspace apps/features && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS features
COPY --from=deps-features /app/node_modules /app/node_modules
COPY --from=bundle /out/features/ /app/
ENV APP_ID=features APP_PORT=8086
EXPOSE 8086

FROM deps AS deps-agents
RUN npm ci --omit=dev --workspace apps/agents && rm -rf node_modules/@meridian node_modules/.bin \
 && find node_modules -name '*.map' -delete
FROM runtime AS agents
COPY --from=deps-agents /app/node_modules /app/node_modules
COPY --from=bundle /out/agents/ /app/
ENV APP_ID=agents APP_PORT=8087
EXPOSE 8087
