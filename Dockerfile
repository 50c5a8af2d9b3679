# syntax=docker/dockerfile:1
# Node 24 is the current LTS (better-sqlite3 12.6 supports 20.x-25.x). CI and the test machine run Node 20: see
# docs/operations.md. Build stage: compile better-sqlite3 and the TypeScript sources (dist/: the ops tools), and
# bundle the app (dist/app/main.js, scripts/bundle.mjs: a third less memory than the ~1,100 separate modules).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what runs, as the unprivileged node user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    GROUNDCREW_DB=/data/groundcrew.db \
    GROUNDCREW_CONFIG=/config/groundcrew.yml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
# Charts (survey trends, weekly figures) are drawn with DejaVu Sans; the slim image has no fonts.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data /config && chown -R node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Migrations are applied by the app itself at start (openDb → migrate).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The V8 flags are npm start's (a smaller young generation, old space grown to 2x what survived instead of up to 4x:
# about 40 MiB less RSS under load; bench/README.md, "Memory").
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=100", "dist/app/main.js"]
