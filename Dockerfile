# Comité's image: web, Celery worker and beat all run it (see docker-compose.yml).
FROM python:3.11-slim

# WeasyPrint renders the PDF dossiers with Pango and HarfBuzz (subset: smaller fonts in PDFs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv>=0.5"

# The virtual environment lives outside /app, so the source copied below never shadows it.
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1
WORKDIR /app

# Dependencies first, from the lock alone: this layer is rebuilt only when uv.lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-cache

COPY . .
# Static files (DSFR assets) are collected and compressed at build time; WhiteNoise serves them.
RUN python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin comite \
    && mkdir -p /app/media \
    && chown comite /app/media

USER comite
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind=0.0.0.0:8000", "--access-logfile=-"]
