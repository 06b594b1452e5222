# segl: `make run` serves the demo on http://localhost:8000, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   := var
ENV_FILE := $(DATA)/segl.env
LOCALE := src/segl/locale

.PHONY: run test lint typecheck unit e2e bench messages compilemessages browser install install-dev clean

run: install $(ENV_FILE) compilemessages
	@$(BIN)/segl init --env-file $(ENV_FILE) >/dev/null
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl migrate --quiet
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl demo load
	@echo ""
	@echo "  segl is starting. Open http://localhost:8000/ and follow 'Try a login'."
	@echo "  Demo Bank: http://localhost:8000/demo-bank/   The segl app: http://localhost:8000/app/"
	@echo "  Self-service portal: http://localhost:8000/portal/"
	@echo "  Demo phone (activation codes, SMS): http://localhost:8000/emulator/phone/   (Ctrl+C stops)"
	@echo ""
	@SEGL_ENV_FILE=$(ENV_FILE) $(BIN)/segl serve --host localhost --port 8000

# Two pytest-xdist workers, each with its own port, data directory and databases (tests/settings.py).
# Tests go out one by one (--dist load): schemathesis gives its generated tests one node id.
test: install-dev browser compilemessages lint typecheck
	$(BIN)/pytest -q -n 2 --dist load

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy src

bench: install-dev compilemessages
	$(BIN)/python bench/bench_login.py

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

# The emulator extra reads QR codes from pictures: the README's `segl app approve --image`.
install: $(VENV)/.created
	@$(BIN)/python -m pip install --quiet -e '.[emulator]'

install-dev: $(VENV)/.created
	@$(BIN)/python -m pip install --quiet -e '.[dev]'

$(ENV_FILE): | install
	$(BIN)/segl init --env-file $(ENV_FILE)

compilemessages:
	@$(BIN)/pybabel compile --statistics -d $(LOCALE) -D django 2>&1 | grep -v '^$$' || true

# Needs GNU gettext: regenerates the .po catalogues from the source.
messages:
	cd src/segl && SEGL_ENV=test ../../$(BIN)/django-admin makemessages --settings=segl.settings -l da --no-obsolete

# Debian's Chromium, for the end-to-end tests (Playwright cannot download browsers here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Install Chromium (apt-get install chromium) for the end-to-end tests."; exit 1; fi

clean:
	rm -rf $(DATA)/test .pytest_cache .mypy_cache .ruff_cache
