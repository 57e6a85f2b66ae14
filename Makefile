# npdeep: make demo | make test | make bench
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip --disable-pip-version-check -q
STAMP   = $(VENV)/.installed

.PHONY: demo test test-numpy test-slow bench torch peers cluster fast clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PIP) install -e ".[test]"
	touch $(STAMP)

# The demo replaces its own run folder each time (--overwrite); other runs are never replaced.
demo: $(STAMP)
	$(VENV)/bin/npdeep train --data digits --out runs/demo --overwrite

test: $(STAMP)
	$(PY) -m pytest -q

# The suite again with the compiled kernels off (NPDEEP_NUMBA=0): the NumPy path alone.
test-numpy: $(STAMP)
	NPDEEP_NUMBA=0 $(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

torch: $(STAMP)
	$(PIP) install -e ".[torch]"

# Every peer the tests compare against: PyTorch, sacrebleu, gensim.
peers: $(STAMP)
	$(PIP) install -e ".[peers]"

# The optional Dask cluster extra (npdeep[cluster]) for npdeep.tune's executor="dask".
cluster: $(STAMP)
	$(PIP) install -e ".[cluster]"

# The optional compiled kernels (npdeep[fast]: numba).
fast: $(STAMP)
	$(PIP) install -e ".[fast]"

# OpenBLAS picks its kernel for this CPU itself: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which
# may be set for the tests, are unset for this command alone (the JSON records the kernel).
bench: peers
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks

clean:
	rm -rf $(VENV) runs build *.egg-info
