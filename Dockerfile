# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

# One BLAS thread per process: web and worker processes already fill the cores, and
# oversubscribed BLAS threads make a 2 ms rating fit take hundreds of milliseconds.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 arena

COPY pyproject.toml README.md ./
COPY arena ./arena
COPY generation ./generation
COPY ratings ./ratings
RUN pip install --no-cache-dir .

COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R arena:arena /app/var

USER arena
EXPOSE 8000
CMD ["gunicorn", "arena.project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
