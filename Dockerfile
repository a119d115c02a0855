# The Jejak API. Used by docker-compose.yml with Neo4j; alone it runs on the embedded engine.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JEJAK_DATA_DIR=/var/lib/jejak

WORKDIR /src
COPY . .
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/jejak --create-home jejak

# Not root: the API needs nothing but its data directory (used by the embedded engine only).
USER jejak
WORKDIR /var/lib/jejak
EXPOSE 8000
CMD ["jejak", "serve", "--host", "0.0.0.0", "--port", "8000"]
