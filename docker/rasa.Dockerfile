# Rasa server and action server image (same environment, different command).
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install --no-cache-dir -r requirements/rasa.lock
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY data data
COPY bot bot
COPY actions actions
# The action server shares the topic table with the desk (a module without dependencies).
COPY handoff/__init__.py handoff/__init__.py
COPY handoff/queue/__init__.py handoff/queue/groups.py handoff/queue/
COPY scripts/train-if-changed scripts/train-if-changed
RUN RASA=rasa scripts/train-if-changed
ENV RASA_TELEMETRY_ENABLED=false
EXPOSE 5005 5055
CMD ["rasa", "run", "--enable-api", "--model", "models/current.tar.gz", "--port", "5005"]
