# Heard: `make run` sets everything up and runs the bot; `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run console test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

heard.toml:
	cp heard.example.toml heard.toml
	@echo "Created heard.toml from heard.example.toml: set your municipality's name, areas and privacy contact."

setup: $(BIN)/.installed heard.toml
	$(BIN)/heard-admin translations compile

run: setup
	$(BIN)/heard-bot

console: setup
	$(BIN)/heard-bot console

test: $(BIN)/.installed
	$(BIN)/heard-admin translations compile
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
