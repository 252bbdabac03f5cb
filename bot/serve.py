"""Starts Rasa's server with its HTTP API closed: ``python -m bot.serve [rasa run options]``.

Adds ``--enable-api --auth-token $RASA_TOKEN`` (the token never appears in
the process list: Rasa is started in this process) and listens on
``RASA_HOST`` (127.0.0.1 unless set). In production (``DESK_ENV``, the
default) it refuses to start with a missing, default or short RASA_TOKEN or
DESK_SERVICE_TOKEN (the model-swap channel's key, bot/model_swap.py).
Before Rasa starts it installs the cheaper check of the action server's
answers (bot/action_validation.py).
"""

import os
import sys

from handoff.core import production


SECRETS = ("RASA_TOKEN", "DESK_SERVICE_TOKEN")
# One thread for numpy's BLAS unless set otherwise: the sentence embedding of
# one message gains nothing from a second thread, whose spinning doubled
# Rasa's CPU per turn next to the desk on 2 cores (docs/measurements.md).
SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def rasa_argv(env: dict[str, str], args: list[str]) -> list[str]:
    argv = ["rasa", "run", "--enable-api", "--auth-token", env.get("RASA_TOKEN", "dev-rasa-token")]
    if "--interface" not in args and "-i" not in args:
        argv += ["--interface", env.get("RASA_HOST", "127.0.0.1")]
    return argv + args


def main() -> int:
    env = dict(os.environ)
    production.require_safe("Rasa", env, SECRETS)
    for name in SINGLE_THREADED:
        os.environ.setdefault(name, "1")
    from rasa.__main__ import main as rasa_main  # only now: importing Rasa takes seconds

    from bot import action_validation

    action_validation.install()
    sys.argv = rasa_argv(env, sys.argv[1:])
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
