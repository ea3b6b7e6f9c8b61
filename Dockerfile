# Mail Architect, production image: gunicorn on port 8000 behind a TLS-terminating proxy.
#   docker build -t mail-architect .
#   docker run -p 8000:8000 -e DJANGO_SECRET_KEY=... -e DJANGO_ALLOWED_HOSTS=... mail-architect
# Settings: docs/settings.md.
FROM python:3.11-slim

# SQLite lives in the /data volume unless DATABASE_URL points elsewhere: the app user cannot
# write to the code folder.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/db.sqlite3

# dot renders the diagrams; the fonts give its PNG output readable text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 app \
    && mkdir /data \
    && chown app:app /data

WORKDIR /app

# Packages first, so that a code change does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Hashed, compressed static files into staticfiles/. Settings need a secret key to load;
# this one lives only in this step and signs nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-real-secret \
    python manage.py collectstatic --noinput

USER app
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "bin/healthcheck", "http://127.0.0.1:8000/healthz"]

ENTRYPOINT ["bin/docker-entrypoint"]
# Threaded workers, so that a slow client holds one thread and not a whole worker; workers,
# threads and limits are in gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS: docs/settings.md).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "architect.wsgi"]
