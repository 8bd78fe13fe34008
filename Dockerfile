# syntax=docker/dockerfile:1
#
# Archon72 API image (runbook §5.1):
#   docker build -t archon72:$(git rev-parse --short HEAD) .
#
# The image serves with production defaults: ENVIRONMENT=production and DEV_MODE=false, so it signs only with a
# PKCS#11 HSM (HSM_* variables, and the vendor's PKCS#11 module mounted into the container) and refuses
# DEV_MODE=true by itself (DevModeEnvironmentMismatchError) unless ENVIRONMENT is also set to a development value.
# `serve` also needs CHECKPOINT_ORIGIN and at least CHECKPOINT_COSIGNER_QUORUM checkpoint cosigners in production.
#
# Default command: `archon72 serve` (without --migrate: migrations run once, by `docker run IMAGE migrate`, the
# Compose `migrate` service or kubernetes/migration-job.yaml). Any other command: `docker run IMAGE verify-db`.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- 1. build: TypeScript to dist/src and the observer console to dist/console, with the dev dependencies -------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied, and the build needs no install script
# (esbuild runs from its platform package; the native pkcs11js addon is built in prod-deps, not here).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.console.json ./
COPY scripts/build-console.ts scripts/
COPY src/ src/
RUN npm run build

# --- 2. prod-deps: production node_modules only, with the toolchain the native addon needs ------------------------
FROM ${NODE_IMAGE} AS prod-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts run only for the packages package.json's "allowScripts" approves that are production
# dependencies: pkcs11js has no prebuilt binary and is compiled by node-gyp here (sodium-native ships prebuilds
# for linux-x64 and linux-arm64 glibc). --ignore-scripts also keeps the root `prepare` (the build) from running.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild pkcs11js \
 && node -e "require('pkcs11js'); require('sodium-native')" \
 && npm cache clean --force

# --- 3. runtime: slim, no compiler, no dev dependencies, not root ------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ENVIRONMENT=production \
    DEV_MODE=false \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    LOG_FORMAT=json \
    ARCHON72_DATA_DIR=/var/lib/archon72
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
COPY bin/ bin/
COPY migrations/ migrations/
COPY data/conclave/ data/conclave/
# The data directory (development keys, or PGlite when DATABASE_URL is unset) is the only place the service
# writes; everything under /app stays owned by root and read-only to the service.
RUN mkdir -p /var/lib/archon72 && chown 1000:1000 /var/lib/archon72 && chmod 0700 /var/lib/archon72
# uid 1000 is the image's `node` user. Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8000
# Liveness (GET /v1/health answers 200 whenever the process serves). A slim image has no curl: Node's fetch.
# start-period: the server listens only after migrations are checked and pre-operational verification passed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.API_PORT||8000)+'/v1/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/archon72.js"]
CMD ["serve"]
