# npdeep: make demo | make test | make bench
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip --disable-pip-version-check -q
STAMP   = $(VENV)/.installed

.PHONY: demo test test-slow bench torch clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PIP) install -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/npdeep train --data digits --out runs/demo

test: $(STAMP)
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

torch: $(STAMP)
	$(PIP) install "torch==2.13.0"

bench: torch
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) runs build *.egg-info
