# Heard: `make run` sets everything up and runs the bot; `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run console test lint bench bench-throughput clean system-deps xlsform

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

heard.toml:
	cp heard.example.toml heard.toml
	@echo "Created heard.toml from heard.example.toml: set your municipality's name, areas and privacy contact."

# fonts and poppler for flyers and paper forms; the bot runs without them, so a failure only warns here
system-deps:
	-scripts/system-deps.sh || echo "warning: flyers and paper questionnaires need the packages named above"

setup: system-deps $(BIN)/.installed heard.toml
	$(BIN)/heard-admin translations compile

# without a token heard-bot explains how to get one; in a terminal it then starts the console survey, without one
# (an editor's task, CI) it exits with 3, and explaining is all `make run` could do: not a failure of make
run: setup
	@$(BIN)/heard-bot || [ $$? -eq 3 ]

console: setup
	$(BIN)/heard-bot console

# HEARD_REQUIRE_POSTGRES=1: the PostgreSQL variants of the tests fail instead of skipping without a server;
# -n auto: one pytest worker per core (pytest-xdist), as most tests wait on processes and sockets
test: $(BIN)/.installed
	scripts/system-deps.sh --with-browser --with-postgres
	$(BIN)/heard-admin translations compile
	HEARD_REQUIRE_POSTGRES=1 $(BIN)/pytest -n auto

bench: $(BIN)/.installed
	$(BIN)/python -m bench.aggregation --sizes 100000 300000 1000000

bench-throughput: $(BIN)/.installed
	$(BIN)/python -m bench.throughput --residents 50 200 500 --midway 1000 3000 10000

# the bundled needs survey as an XLSForm, for officers who prefer Excel (a test checks it is up to date)
xlsform: $(BIN)/.installed
	HEARD_CONFIG=heard.example.toml $(BIN)/heard-admin surveys export-xlsform needs -o surveys/bundled/needs.xlsx

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
