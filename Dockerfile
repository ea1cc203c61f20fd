# syntax=docker/dockerfile:1
# docker build -t regstat .
# The build stage runs the same `bun run build` as `npm run build`; the image holds only the executable.

FROM oven/bun:1.4.4 AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY patches ./patches
# Bun reads package-lock.json; --frozen-lockfile fails the build if it no longer matches package.json.
# patches/ mends the PostgreSQL driver (see patches/README.md); npm applies it by postinstall, here by hand.
RUN bun install --frozen-lockfile --production --ignore-scripts && bun x patch-package@8.0.1
COPY tsconfig.json ./
COPY sql ./sql
COPY deploy ./deploy
COPY src ./src
RUN bun run build && mkdir -p /data

# The executable is Bun's glibc build: a small glibc base, no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/regstat /regstat
# Owned by the runtime user, so a fresh named volume mounted here is writable by it.
COPY --from=build --chown=65532:65532 /data /data
ENV REGSTAT_DATA_DIR=/data
VOLUME /data
EXPOSE 3333
USER 65532:65532
# A fresh embedded database is a copy of the template built in; the check reads the same REGSTAT_* variables as the server.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/regstat", "healthcheck"]
ENTRYPOINT ["/regstat"]
