"""The action server: rasa_sdk's app on loopback, answering only Rasa.

Run with ``python -m actions.server`` (the Rasa environment). Settings, all
from the environment:
- ``RASA_TOKEN``: Rasa sends it as ``Authorization: Bearer ...`` (endpoints.yml);
  every call but ``GET /health`` without it is refused with 401.
- ``DESK_SERVICE_TOKEN``: the actions' key to the desk, and the key of the
  desk's metadata signatures (actions/identity.py).
- ``ACTIONS_HOST`` (127.0.0.1) and ``ACTIONS_PORT`` (5055).
- ``DESK_ENV``: in production (the default) the server refuses to start with
  a missing, default or short secret.
"""

import hmac
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from sanic import response

from actions.settings import ActionSettings
from handoff.core import production

logger = logging.getLogger(__name__)


SECRETS = ("RASA_TOKEN", "DESK_SERVICE_TOKEN")


def make_app(token: str):
    app = create_app("actions", cors_origins=[])
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def only_rasa(request):
        if request.path == "/health":
            return None
        given = request.headers.get("Authorization", "")
        if not given.isascii() or not hmac.compare_digest(given.encode(), expected):
            return response.json({"error": "需要 Rasa 的令牌（RASA_TOKEN）"}, status=401)
        return None

    return app


def main() -> int:
    env = dict(os.environ)
    production.require_safe("动作服务器（actions）", env, SECRETS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = ActionSettings.from_env(env)
    app = make_app(config.rasa_token)
    logger.info("action server on http://%s:%s", config.host, config.port)
    app.run(config.host, config.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
