# Boussole API image: migrations, seed, then uvicorn (JSON logs on standard error).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOUSSOLE_HOST=0.0.0.0 \
    BOUSSOLE_PORT=8000 \
    BOUSSOLE_WORKERS=1

WORKDIR /srv/boussole

# Dependencies first, read from pyproject.toml: this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# Editable, without touching the dependencies again: the app finds alembic.ini, migrations/ and
# seed/ beside its package. The code stays root-owned; the service user may write only var/
# (where the default SQLite database lives).
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin boussole \
    && mkdir -p var && chown boussole:boussole var
USER 10001

EXPOSE 8000
# Liveness only (the process answers); /readyz tells whether the database is reachable and migrated.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BOUSSOLE_PORT', '8000'), timeout=4)" || exit 1

# exec: uvicorn becomes PID 1 and receives the stop signal for a graceful shutdown.
CMD ["sh", "-c", "boussole db upgrade && boussole seed && exec boussole serve --host 0.0.0.0 --workers \"${BOUSSOLE_WORKERS}\""]
