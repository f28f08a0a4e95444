# capacity-bot in HTTP mode: `docker compose up` (compose.yaml), or
#   docker build -t capacity-bot . && docker run --env-file .env -p 3000:3000 -v capacity-data:/data capacity-bot
# The wheel is built in one stage and installed in a clean one: no compiler, no sources.

FROM python:3.11-slim AS wheel
WORKDIR /src
RUN pip install --no-cache-dir "build>=1.2,<2"
# What the wheel is built from (capacity/data links to data/, bot/manifest.yml to manifest.yml)
COPY pyproject.toml README.md manifest.yml ./
COPY data data
COPY capacity capacity
COPY bot bot
RUN python -m build --wheel --outdir /dist .

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 --user-group capacity \
 && install -d -o capacity -g capacity /data /backups
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl && rm -r /tmp/dist
# The database lives in the /data volume; the bot's scheduled backups (daily at 03:00
# Norwegian time unless CAPACITY_BACKUP_AT says otherwise) go to the /backups volume.
ENV CAPACITY_DB=/data/capacity.db \
    CAPACITY_BACKUP_DIR=/backups \
    PYTHONUNBUFFERED=1
VOLUME ["/data", "/backups"]
USER capacity
WORKDIR /home/capacity
EXPOSE 3000
# Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode), from the environment.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["capacity-bot", "health", "--port", "3000"]
CMD ["capacity-bot", "serve", "--http", "--port", "3000"]
