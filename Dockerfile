# syntax=docker/dockerfile:1
# Freight image (API and web app): `docker build -t freight .`
#   assets stage:  the web app's browser libraries from npm (package-lock.json), production
#                  dependencies only; the image keeps just the files browsers load
#   build stage:   builds Freight's wheel and installs it with its dependencies into /opt/freight
#   runtime stage: slim Python, that virtualenv, the browser libraries, the PostgreSQL client
#                  tools (for `freight db backup/restore`), a non-root user, a health check.
# The server itself never runs JavaScript, so the runtime image has no Node.js.

ARG PYTHON_VERSION=3.12
ARG DEBIAN_RELEASE=bookworm
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/freight \
    && /opt/freight/bin/pip install --upgrade pip build
# Only what the wheel needs (see .dockerignore): a change to tests or docs rebuilds nothing.
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/freight/bin/python -m build --wheel --outdir /wheels . \
    && /opt/freight/bin/pip install /wheels/freight-*.whl \
    && /opt/freight/bin/pip uninstall --yes build \
    && /opt/freight/bin/python -m compileall -q /opt/freight/lib

FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS runtime
# pg_dump / pg_restore for `freight db backup` and `restore`: bookworm ships 15, which can
# dump a PostgreSQL 15 server (pg_dump refuses servers newer than itself).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 freight \
    && useradd --system --uid 10001 --gid freight --home-dir /app --shell /usr/sbin/nologin freight \
    && mkdir -p /app /data/files /backups \
    && chown -R freight:freight /app /data /backups
COPY --from=build /opt/freight /opt/freight
COPY --from=assets /assets/node_modules/socket.io-client/dist /opt/freight/web-vendor/socket.io-client/dist
COPY --from=assets /assets/node_modules/leaflet/dist /opt/freight/web-vendor/leaflet/dist
COPY --from=assets /assets/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
    /assets/node_modules/swagger-ui-dist/swagger-ui.css \
    /assets/node_modules/swagger-ui-dist/favicon-32x32.png \
    /opt/freight/web-vendor/swagger-ui-dist/
ENV PATH=/opt/freight/bin:$PATH \
    FREIGHT_WEB_VENDOR_DIR=/opt/freight/web-vendor \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FREIGHT_ENV=production \
    FREIGHT_LOG_FILE=off \
    FREIGHT_FILE_STORE_DIR=/data/files
WORKDIR /app
USER freight:freight
EXPOSE 8000
# Proof-of-delivery files: must be storage shared by every API process (see docs/operations.md).
VOLUME ["/data/files"]
# Liveness only (/api/health): a database outage shows in /api/ready and the alerts, and
# restarting every API process because PostgreSQL is down would not help.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]
# `docker run IMAGE` serves; `docker run IMAGE db upgrade` (or any other subcommand) runs it.
ENTRYPOINT ["freight"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
