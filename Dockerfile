# syntax=docker/dockerfile:1
#
# sealift gateway image.
#
#   docker build -t sealift .
#   docker run -d --name sealift \
#     --device /dev/ttyUSB0 --group-add dialout \
#     -v sealift-data:/data \
#     -p 127.0.0.1:8080:8080 -p 1883:1883 \
#     --stop-timeout 30 \
#     sealift gateway
#
# Serial devices (RS-485/USB adapters to seal sleeves and lift controllers): pass each one with
# --device /dev/ttyUSB0 (or a stable name such as /dev/serial/by-id/usb-…). The process runs as
# user `sealift`, which is in group `dialout` (GID 20 in Debian); --group-add dialout makes that
# explicit. If the device node on the host belongs to another group (e.g. `uucp` on Arch/Fedora),
# add that GID instead: --group-add "$(stat -c %g /dev/ttyUSB0)".
#
# Listen addresses: the gateway defaults to loopback (127.0.0.1) for its MQTT broker and HTTP
# server. Inside a container loopback is unreachable from outside, so this image sets
# SEALIFT_BROKER_HOST=0.0.0.0 and SEALIFT_HTTP_HOST=0.0.0.0 below; choose who can reach the
# ports with -p on the host (the example publishes the web UI on the host's loopback only, and
# the broker on all interfaces for MQTT devices on the LAN).
#
# Configuration: mount a file and pass --config, or use environment overrides. Every config
# setting has one, named SEALIFT_ + the upper-snake config path, e.g.
#   SEALIFT_HTTP_PORT=8080  SEALIFT_GATEWAY_ID=village-07  SEALIFT_BROKER_MAX_PACKET_BYTES=262144
#   docker run … -v /etc/sealift:/etc/sealift:ro sealift gateway --config /etc/sealift/sealift.yaml
#
# Data (journal, signing key, photos) lives in the /data volume; SEALIFT_DATA points there.
# Stop with `docker stop` (SIGTERM through tini): the gateway drains, writes a final checkpoint
# and exits 0; give it time with --stop-timeout 30.

############################ build ############################
FROM node:20-bookworm AS build

# Toolchain for native modules (better-sqlite3, @serialport/bindings-cpp) when no prebuilt
# binary fits. The bookworm image already has them; listed so the requirement is explicit.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# `npm ci` also runs `prepare` (the tsc build); the explicit build makes the step visible and
# is an incremental no-op. Then drop dev dependencies and assemble what runs.
RUN --mount=type=cache,target=/root/.npm \
    npm ci \
 && npm run build \
 && npm prune --omit=dev \
 && mkdir -p /out \
 && cp -a package.json package-lock.json bin dist node_modules /out/ \
 && mkdir -p /out/web && cp -a web/index.html web/styles.css web/favicon.svg web/browser-check.js web/dist /out/web/

############################ runtime ############################
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system sealift \
 && useradd --system --gid sealift --groups dialout --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin sealift \
 && mkdir -p /data \
 && chown sealift:sealift /data \
 && chmod 0750 /data

WORKDIR /app
COPY --from=build /out/ /app/

ENV NODE_ENV=production \
    SEALIFT_DATA=/data \
    SEALIFT_BROKER_HOST=0.0.0.0 \
    SEALIFT_HTTP_HOST=0.0.0.0

USER sealift
VOLUME /data
EXPOSE 1883 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SEALIFT_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

STOPSIGNAL SIGTERM
# node flags: the ones on the first line of bin/sealift.js (a smaller young generation; DESIGN §8 memory)
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=2", "--heap-growing-percent=20", "/app/bin/sealift.js"]
CMD ["gateway"]
