# segl: `make run` serves the demo on http://localhost:8000, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   := var
ENV_FILE := $(DATA)/segl.env
LOCALE := src/segl/locale

.PHONY: run cluster test lint typecheck unit e2e bench messages compilemessages browser speech balancer install install-dev lock audit clean

run: install $(ENV_FILE) compilemessages speech
	@$(BIN)/segl init --env-file $(ENV_FILE) >/dev/null
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl migrate --quiet
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl demo load
	@echo ""
	@echo "  segl is starting. Open http://localhost:8000/ and follow 'Try a login'."
	@echo "  Demo Bank: http://localhost:8000/demo-bank/   The segl app: http://localhost:8000/app/"
	@echo "  Self-service portal: http://localhost:8000/portal/"
	@echo "  Borgerservice desk: http://localhost:8000/desk/ (demo-olivia)   Customer display: http://localhost:8000/display/"
	@echo "  Demo phone (activation codes, SMS): http://localhost:8000/emulator/phone/   (Ctrl+C stops)"
	@echo ""
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl worker >/dev/null & trap 'kill $$! 2>/dev/null' EXIT; \
	  SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl serve --host localhost --port 8000

# segl as two nodes of two workers behind HAProxy, on PostgreSQL and Redis (DATABASE_URL,
# REDIS_URL, or the local servers), with the demo: http://localhost:8000 (deploy/cluster.py).
cluster: install compilemessages balancer
	@$(BIN)/python deploy/cluster.py

# Two pytest-xdist workers, each with its own port, data directory and databases (tests/settings.py).
# Tests go out one by one (--dist load): schemathesis gives its generated tests one node id.
test: install-dev browser speech balancer compilemessages lint typecheck
	$(BIN)/pytest -q -n 2 --dist load

# The fast loop while working: every test but the browser ones, on two workers (after
# `make install-dev` once; it does not reinstall, to stay quick).
unit: speech balancer compilemessages
	$(BIN)/pytest -q -n 2 --dist load --ignore=tests/e2e $(UNIT_ARGS)

# Only the end-to-end tests: Debian's Chromium against the live server, on two workers.
e2e: browser compilemessages
	$(BIN)/pytest -q -n 2 --dist load tests/e2e

lint:
	$(BIN)/ruff check src tests bench deploy
	$(BIN)/ruff format --check src tests bench deploy

typecheck:
	$(BIN)/mypy src

bench: install-dev compilemessages
	$(BIN)/python bench/bench_login.py

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

# The dependencies come from the lock files, pinned with hashes (decision 27); the project itself
# then goes in without them. requirements.txt: the server with PostgreSQL and the emulator's
# picture reading; requirements-dev.txt: that and the tools for tests, lint and `make lock`.
LOCK     := requirements.txt
DEV_LOCK := requirements-dev.txt
# `make lock` keeps the pins it can; LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves them.
LOCK_ARGS ?=
COMPILE  := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

install: $(VENV)/.created
	@$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	@$(BIN)/python -m pip install --quiet --no-deps -e .

install-dev: $(VENV)/.created
	@$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	@$(BIN)/python -m pip install --quiet --no-deps -e .

# After a change to the dependencies in pyproject.toml. The runtime lock is drawn from the dev
# lock, so both pin the same versions.
lock: install-dev
	$(COMPILE) --all-extras --output-file $(DEV_LOCK) pyproject.toml
	$(COMPILE) --extra postgres --extra emulator --constraint $(DEV_LOCK) --output-file $(LOCK) pyproject.toml

# Known vulnerabilities in the locked versions; AUDIT_STRICT=1 also fails when the data cannot be had.
audit: install-dev
	$(BIN)/python .ci/audit.py $(DEV_LOCK) $(if $(AUDIT_STRICT),--strict)

$(ENV_FILE): | install
	$(BIN)/segl init --env-file $(ENV_FILE)

compilemessages:
	@$(BIN)/pybabel compile --statistics -d $(LOCALE) -D 'django djangojs' 2>&1 | grep -v '^$$' || true

# Needs GNU gettext: regenerates the .po catalogues from the source.
messages:
	cd src/segl && SEGL_ENV=test ../../$(BIN)/django-admin makemessages --settings=segl.settings -l da --no-obsolete
	cd src/segl && SEGL_ENV=test ../../$(BIN)/django-admin makemessages --settings=segl.settings -l da --no-obsolete \
	  -d djangojs --ignore 'app/static/app/vendor/*'

# Debian's Chromium, for the end-to-end tests (Playwright cannot download browsers here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Install Chromium (apt-get install chromium) for the end-to-end tests."; exit 1; fi

# Debian's espeak-ng: the audio code reader's voice (its tests listen to it). Without it the
# reader's page still shows the code and says plainly that it cannot speak.
speech:
	@if command -v espeak-ng >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; \
	else echo "Install espeak-ng (apt-get install espeak-ng) for the audio code reader's voice."; fi

# Debian's HAProxy (the load balancer of `make cluster` and its tests) and redis-server (the fault
# tests start a Redis of their own).
balancer:
	@if command -v haproxy >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy redis-server >/dev/null; \
	else echo "Install HAProxy and Redis (apt-get install haproxy redis-server) for make cluster and its tests."; exit 1; fi

clean:
	rm -rf $(DATA)/test .pytest_cache .mypy_cache .ruff_cache
