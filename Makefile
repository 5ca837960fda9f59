# Two commands on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo transcript test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## set up and open the browser simulator (the real bot on the local Bot API emulator)
	$(BIN)/gridbot demo

transcript: $(STAMP)  ## set up and print a scripted repair case (terminals and CI)
	$(BIN)/gridbot demo --transcript

test: $(STAMP)  ## set up and run the whole test suite on every core (PostgreSQL with TEST_DATABASE_URL)
	$(BIN)/pytest -q -n auto

lint: $(STAMP)  ## ruff and mypy over the whole tree
	$(BIN)/ruff check .
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache
