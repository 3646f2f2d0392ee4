# The two commands of the README: `make run` and `make test`. Both set everything up from the project's own
# files (a virtual environment with the pinned dependencies from pyproject.toml).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DB     ?= dateline-examples.db

.PHONY: install run test clean browser web-assets postgres

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/dateline ingest examples/articles --db $(DB)
	$(BIN)/dateline documents --db $(DB)
	$(BIN)/dateline events --db $(DB) --limit 30
	$(BIN)/dateline stories --db $(DB) --limit 15

test: install browser web-assets postgres
	$(BIN)/python -m pytest -q -p no:cacheprovider

# What the dashboard's browser tests need: Debian's Chromium (never a browser download of Playwright's own).
# Installed only when missing and we are root; never fails the build: without it those tests skip, saying why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "note: could not install chromium; the browser tests will skip"; \
	else echo "note: /usr/bin/chromium is missing and apt-get is unavailable; the browser tests will skip"; fi

# The dashboard's offline map outlines (npm world-atlas), installed beside the static files, never committed.
# Without npm the map still shows its points.
web-assets:
	@if [ -f dateline/server/static/vendor/node_modules/world-atlas/countries-110m.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --prefix dateline/server/static/vendor --no-audit --no-fund --silent \
		|| echo "note: npm install failed; the map shows points without country outlines"; \
	else echo "note: npm is missing; the map shows points without country outlines"; fi

# A local PostgreSQL server for the PostgreSQL store's tests: Debian's postgresql (installed when missing and
# we are root), a cluster under .pg/, on 127.0.0.1; the URL lands in .pg/url. Never fails the build: where
# PostgreSQL cannot be installed, .pg/unavailable says why and those tests skip with that reason.
postgres:
	@bash scripts/postgres.sh >/dev/null || echo "note: scripts/postgres.sh failed; see .pg/"

clean:
	-@bash scripts/postgres.sh stop 2>/dev/null
	rm -rf $(VENV) *.egg-info $(DB) $(DB)-wal $(DB)-shm .pg
