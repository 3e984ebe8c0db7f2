# briefbot in a container. Build: docker build -t briefbot .   Run: see compose.yaml and README "Deploying".
# Briefs are mounted read-only at /briefs, the config at /config/config.yaml, and the state lives on the
# volume /var/lib/briefbot (delivery state, the Discord command hash, the brief cache).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFBOT_CACHE_DIR=/var/lib/briefbot/cache

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/briefbot --create-home briefbot

WORKDIR /opt/briefbot
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
# installed exactly as README installs it: a venv and an editable install of this folder
RUN python3 -m venv .venv && .venv/bin/pip install -q -e . \
    && .venv/bin/python -m compileall -q bot
ENV PATH=/opt/briefbot/.venv/bin:$PATH

USER briefbot
VOLUME ["/var/lib/briefbot"]
# 3000: Slack HTTP mode (behind your TLS proxy); 8080: health, readiness and metrics (do not publish it)
EXPOSE 3000 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["briefbot", "health", "--config", "/config/config.yaml"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["briefbot"]
CMD ["run", "--config", "/config/config.yaml"]
