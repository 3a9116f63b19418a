# The two commands the README promises: `make demo` and `make test`.
# Both set themselves up in .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := out/demo

.PHONY: setup system-deps demo test lint unit bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job on the bundled sample inventory: offline, no credentials. The sample company's own
# rules (namespace, metric types, routing) are the --mappings layer over the packaged defaults.
demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/ddmigrate collect prometheus --from-files inventories/sample/sources/prometheus --out $(DEMO)/inventory/prometheus
	$(BIN)/ddmigrate collect grafana --from-files inventories/sample/sources/grafana --out $(DEMO)/inventory/grafana
	$(BIN)/ddmigrate collect newrelic --from-files inventories/sample/sources/newrelic --out $(DEMO)/inventory/newrelic
	$(BIN)/ddmigrate collect pingdom --from-files inventories/sample/sources/pingdom --out $(DEMO)/inventory/pingdom
	$(BIN)/ddmigrate translate --inventory $(DEMO)/inventory/prometheus --inventory $(DEMO)/inventory/grafana --inventory $(DEMO)/inventory/newrelic --inventory $(DEMO)/inventory/pingdom --mappings inventories/sample/mappings --out $(DEMO)/translation
	$(BIN)/ddmigrate bridge --inventory $(DEMO)/inventory/prometheus --mappings inventories/sample/mappings --translation $(DEMO)/translation --out $(DEMO)/bridge/conf.yaml --series-counts inventories/sample/sources/prometheus/series-counts.json
	$(BIN)/ddmigrate plan --translation $(DEMO)/translation --state inventories/sample/datadog-state --out $(DEMO)/plan.json --cardinality $(DEMO)/bridge/cardinality.json
	$(BIN)/ddmigrate report --translation $(DEMO)/translation --plan $(DEMO)/plan.json --cardinality $(DEMO)/bridge/cardinality.json --phases inventories/sample/phases.yaml --out $(DEMO)/report

lint: $(STAMP)
	$(BIN)/ruff check migrate tests bench
	$(BIN)/ruff format --check migrate tests bench
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

# Debian's prometheus (the integration tests start it) and chromium, when missing: installed as root,
# otherwise the exact command is printed (and under CI=true it is an error). .ci/run runs the same script.
system-deps:
	scripts/ensure-system-deps

test: system-deps lint unit

bench: $(STAMP)
	$(BIN)/python bench/translate.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
