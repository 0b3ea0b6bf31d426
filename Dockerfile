# syntax=docker/dockerfile:1
#
# Parley's container image: three stages so the runtime image carries neither the C++ toolchain
# (needed to compile better-sqlite3) nor the dev dependencies.
#
#   docker build -t parley:local .
#   docker run -p 3000:3000 -v parley-data:/data parley:local
#
# Every stage starts from the same base so the native addon compiled in `deps` matches the Node ABI
# and glibc of `runtime`. The tag follows Node 24 LTS's security releases; for reproducible
# production builds pin the digest as well (node:24-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: every dependency, native addons compiled from source ----------------------------------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Compile better-sqlite3 instead of trying a prebuilt download that may not be reachable.
RUN --mount=type=cache,target=/root/.npm \
  npm_config_build_from_source=true npm ci --no-audit --no-fund

# ---- build: compile TypeScript, then drop the dev dependencies --------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY scripts/build-web.mjs ./scripts/
COPY src ./src
# build:web (the web UI bundle) runs when package.json has that script.
RUN npm run build \
  && npm run build:web --if-present \
  && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Node, the compiled server and production node_modules ---------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/parley.db
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# /data holds the SQLite database, the generated session secret and downloaded models. It is owned
# by the image's unprivileged `node` user (uid 1000); the code stays root-owned and read-only to it.
# ./data (the data directory Parley uses with PostgreSQL) points at the same volume.
RUN mkdir -p /data && chown 1000:1000 /data && ln -s /data /app/data
VOLUME /data
USER 1000:1000
EXPOSE 3000
# Node has fetch built in; the slim image has no curl or wget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM starts the graceful shutdown: readiness turns false, running replies get SHUTDOWN_GRACE_MS
# to finish (give `docker stop -t` / compose's stop_grace_period more than that).
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/main.js"]
