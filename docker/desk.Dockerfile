FROM python:3.10-slim
WORKDIR /app
COPY requirements/desk.lock requirements/desk.lock
RUN pip install --no-cache-dir -r requirements/desk.lock
COPY handoff handoff
# Schema migrations: applied on start; `alembic upgrade head` by hand (README).
COPY alembic.ini alembic.ini
# Production unless told otherwise: the desk refuses to start without real secrets.
ENV DESK_ENV=production
EXPOSE 8000
CMD ["uvicorn", "--factory", "handoff.app:create_app", "--host", "0.0.0.0", "--port", "8000"]
