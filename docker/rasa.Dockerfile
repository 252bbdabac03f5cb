# Rasa server and action server image (same environment, different command).
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install --no-cache-dir -r requirements/rasa.lock
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY data data
COPY bot bot
COPY actions actions
# Modules without dependencies shared with the desk: the topic table, the
# secret checks and the metadata signatures.
COPY handoff/__init__.py handoff/__init__.py
COPY handoff/queue/__init__.py handoff/queue/groups.py handoff/queue/
COPY handoff/core/__init__.py handoff/core/patterns.py handoff/core/production.py handoff/core/signing.py handoff/core/
COPY scripts/train-if-changed scripts/train-if-changed
RUN RASA=rasa scripts/train-if-changed
ENV RASA_TELEMETRY_ENABLED=false DESK_ENV=production
EXPOSE 5005 5055
# Rasa with its HTTP API closed by RASA_TOKEN (bot/serve.py); the action
# server's command is `python -m actions.server` (docker-compose.yml).
CMD ["python", "-m", "bot.serve", "--model", "models/current.tar.gz", "--port", "5005"]
