# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what they depend on.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10. Use the first python3.10 that really is 3.10
# (a pyenv shim may exist but point at another version).
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

RASA_VENV := .venv/rasa
DESK_VENV := .venv/desk
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/current.tar.gz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test install browser servers soak train test-rasa test-desk validate test-stories bench bench-sentiment bench-containment eval-nlu crossval clean

help:
	@echo "make run    install what is missing, train if the data changed, start Rasa, actions and the desk"
	@echo "make test   the same set-up, then the whole test suite"
	@echo "            (make run DB=postgres RASA_REPLICAS=2 DESK_REPLICAS=2: PostgreSQL, redis-server, replicas)"
	@echo "make train  retrain the model if config, domain, data or bot/ changed"
	@echo "make bench  NLU parse latency, memory and handoff latency (bench/)"
	@echo "make bench-sentiment  the sentiment detector on held-out labelled messages"
	@echo "make eval-nlu  intent accuracy on the held-out NLU test set, against the previous pipeline (about 30 min)"
	@echo "make bench-containment  scripted routine conversations through the desk: how many the bot settles"
	@echo "make crossval  5-fold cross-validation of the NLU model (slow)"
	@echo "make soak   200 customers and 5 agents for 10 minutes on PostgreSQL, redis-server and 2+2 replicas (ARGS=...)"

python310:
	@test -n "$(PYTHON310)" || { echo "python3.10 was not found: install Python 3.10 (Rasa 3.6 needs it)"; exit 1; }

$(RASA_VENV)/.installed: requirements/rasa.lock | python310
	@echo "==> Rasa environment ($(RASA_VENV)), about 2 minutes the first time"
	$(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --upgrade "pip<25"
	$(RASA_VENV)/bin/pip install -q -r requirements/rasa.lock
	touch $@

$(DESK_VENV)/.installed: requirements/desk.lock | python310
	@echo "==> Desk environment ($(DESK_VENV))"
	$(PYTHON310) -m venv $(DESK_VENV)
	$(DESK_VENV)/bin/pip install -q --upgrade "pip<25"
	$(DESK_VENV)/bin/pip install -q -r requirements/desk.lock
	touch $@

install: $(RASA_VENV)/.installed $(DESK_VENV)/.installed

# The browser tests drive Debian's chromium (Playwright cannot download
# browsers here) and need CJK fonts, or Chinese renders as empty boxes.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then \
		echo "==> chromium, fonts-noto-cjk and fonts-noto-color-emoji (apt-get, needs root)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji; \
	fi

# PostgreSQL and redis-server (Debian's packages): `make run DB=postgres` and the
# tests on real servers start them as ordinary processes in a scratch folder
# (scripts/servers.py), never as the system's services.
servers:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v redis-server >/dev/null; then \
		echo "==> postgresql and redis-server (apt-get, needs root)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql redis-server; \
	fi

# Trains only when the training inputs changed since the last model.
train: $(RASA_VENV)/.installed
	@RASA=$(RASA) scripts/train-if-changed

# DB=postgres, RASA_REPLICAS=N, DESK_REPLICAS=N: see scripts/run.py and the README.
run: install train servers
	$(DESK_VENV)/bin/python scripts/run.py

validate: $(RASA_VENV)/.installed
	RASA=$(RASA) scripts/validate-data

test-stories: train
	$(RASA) test core --e2e --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out var/results

test-rasa: install train
	$(RASA_VENV)/bin/python -m pytest tests/bot tests/actions

# The whole desk suite on SQLite and the embedded Redis (tests/e2e/test_faults.py
# runs its own PostgreSQL and redis-server); then the parts that write SQL most
# (migrations, claims, the queue, messages, 留言) again on PostgreSQL and redis-server.
SERVERS_TESTS := tests/handoff/core/test_migrate.py tests/handoff/test_health.py tests/handoff/queue \
	tests/handoff/conversations tests/handoff/console tests/handoff/tickets
test-desk: install train browser servers
	$(DESK_VENV)/bin/python -m pytest tests/handoff tests/deploy tests/e2e
	$(DESK_VENV)/bin/python -m pytest --servers $(SERVERS_TESTS)

test: install train validate test-stories test-rasa test-desk

bench: install train bench-sentiment bench-containment
	$(DESK_VENV)/bin/python bench/stack.py
	$(DESK_VENV)/bin/python bench/turns.py
	$(DESK_VENV)/bin/python bench/desk_turn.py
	$(DESK_VENV)/bin/python bench/handoff_latency.py
	$(DESK_VENV)/bin/python bench/wechat.py

# Not in CI: about 12 minutes. Table and chart in var/artifacts/soak.{md,png}.
soak: install train servers
	$(DESK_VENV)/bin/python bench/soak.py $(ARGS)

# Routine conversations (bench/containment.yml) through the desk's web chat and the real bot.
bench-containment: install train
	$(DESK_VENV)/bin/python bench/containment.py $(ARGS)

# Trains the product's NLU pipeline and the previous ones on data/ and scores
# them on the held-out test set bench/nlu/test_*.yml.
eval-nlu: $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python bench/eval_nlu.py $(ARGS)

# Precision/recall of negative sentiment on held-out labelled messages.
bench-sentiment: $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python bench/sentiment.py $(ARGS)

crossval: $(RASA_VENV)/.installed
	$(RASA) test nlu --nlu data/nlu --cross-validation --folds 5 --out var/crossval
	$(RASA_VENV)/bin/python bench/f1_table.py var/crossval/intent_report.json

clean:
	rm -rf .venv models var
