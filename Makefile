# The two commands of the README: `make run` and `make test`. Both set everything up from the project's own
# files (a virtual environment with the pinned dependencies from pyproject.toml).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DB     ?= dateline-examples.db

.PHONY: install run test clean

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

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) *.egg-info $(DB) $(DB)-wal $(DB)-shm
