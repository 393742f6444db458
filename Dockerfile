# Boussole API image: migrations, then uvicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOUSSOLE_HOST=0.0.0.0 \
    BOUSSOLE_PORT=8000

WORKDIR /srv/boussole
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# Editable: the app finds alembic.ini, migrations/ and seed/ beside its package.
RUN pip install -e . && useradd --system --create-home boussole \
    && mkdir -p var && chown boussole var
USER boussole

EXPOSE 8000
CMD ["sh", "-c", "boussole db upgrade && boussole seed && boussole serve"]
