# detente — the two commands that must work on a fresh machine with Python 3.11 and pip.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-core

# The demo also writes the HTML report, which needs the `report` extra (jinja2, plotly).
# It needs no `sensitivity` extra: the "What drives the answers" ranking the README shows is
# computed by detente itself (SALib, which that extra installs, is only the tests' reference).
$(VENV)/.installed-report: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[report]'
	touch $@ $(VENV)/.installed-core

# The README's run (same file, draws and seed; the numbers are the same on every backend),
# on two processes, plus the report.
demo: $(VENV)/.installed-core $(VENV)/.installed-report
	@mkdir -p $(OUT)
	$(BIN)/detente analyze scenarios/ukraine-2025-02.yaml --draws 2000 --seed 2025 \
		--backend processes --workers 2 --json $(OUT)/ukraine-2025-02.json \
		--report $(OUT)/ukraine-2025-02.html
	@echo
	@echo "Outputs: $(OUT)/ukraine-2025-02.json (full results, JSON)"
	@echo "         $(OUT)/ukraine-2025-02.html (the report: open it in a browser, or print it)"

# The run-history tests need a real PostgreSQL server: scripts/pg-test-server.sh installs
# Debian's postgresql if missing, starts a throwaway one, and stops it afterwards (unless
# DETENTE_TEST_PG already names a server).
test: $(VENV)/.installed-test
	sh scripts/browser-deps.sh  # Debian's chromium for tests/test_browser.py (apt-get if missing)
	sh scripts/pg-test-server.sh run $(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
