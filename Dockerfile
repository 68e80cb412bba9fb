# settlement: the nightly settlement service (`settlement serve`). See README.md, "Run it in production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 0. DejaVu Sans for the PDF reports (Sámi letters and €; settlement/report/fonts.py finds it in
#    /usr/share/fonts/truetype/dejavu). Without it the reports fall back to a Latin-1 core font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core=2.* \
    && rm -rf /var/lib/apt/lists/*

# 1. Dependencies only, in their own layer: rebuilt when pyproject.toml changes, not on every code change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && python -m pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2. The application itself (no dependencies left to fetch), its message catalogs compiled first
#    (Babel came with the dependencies) so that the bokmål texts are read from settlement.mo.
COPY README.md ./
COPY settlement ./settlement
RUN python -m settlement.i18n \
    && python -m pip install --no-cache-dir --no-deps . && rm -rf build settlement.egg-info

# 3. Default configuration (mount your own read-only over /config) and a non-root user owning /data only.
COPY chart_of_accounts /config/chart_of_accounts
COPY vendors.toml /config/vendors.toml
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin settlement \
    && mkdir -p /data \
    && chown settlement:settlement /data

# The working directory is /, so the settings' relative defaults all land in the /data volume:
# data/settlement.db (SQLite), data/reports/, data/fiken-token.json, data/settlement-serve.pid.
# No database URL is set here on purpose: an environment variable would win over the secret file
# /run/secrets/settlement_database_url that a PostgreSQL deployment uses (see docker-compose.yml).
# Secrets come from the environment or /run/secrets, never from the image.
ENV SETTLEMENT_CHART_OF_ACCOUNTS=/config/chart_of_accounts \
    SETTLEMENT_VENDORS=/config/vendors.toml \
    SETTLEMENT_HTTP_HOST=0.0.0.0 \
    SETTLEMENT_HTTP_PORT=8080

USER 10001:10001
WORKDIR /
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SETTLEMENT_HTTP_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["settlement", "serve"]
