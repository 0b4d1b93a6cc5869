# Everyday actions. Each target sets itself up first, so on a fresh machine one command does everything:
#   make figures   regenerate every figure (default profile) into figures/; a notebook whose inputs and
#                  figures are unchanged since its last run is skipped (FORCE=1 re-executes everything)
#   make test      lint + unit tests + every notebook in the smoke profile under nbval
#   make book      the docs, results page and executed notebooks as an offline HTML site: build/book/html/
#   make lab       open JupyterLab on the notebooks (LAB_ARGS="--port 8899 --no-browser" passes options)
#   make bench     training throughput (bare loop, fit per method, matmul peak), batched seeds and
#                  augmentation speed (JSON in build/bench/); run it on a quiet machine
# Variables: PROFILE (smoke|default|full), SEED, JOBS (notebooks at once, one thread each; default 2),
# FORCE, VENV (an existing env to use, e.g. VENV=$$CONDA_PREFIX), TORCH_SPEC / TORCH_INDEX (which torch
# build to install; see README). Trained models are cached in ~/.cache/simvae/models ($$SIMVAE_CACHE_DIR;
# SIMVAE_CACHE=off bypasses it; `make clear-cache` empties it).

PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
PROFILE     ?= default
SEED        ?= 0
JOBS        ?= 2
FORCE       ?=
# torch==2.13.0 resolves to a local CPU wheel on our machines and to the CUDA build from PyPI on a
# Linux GPU box. Set TORCH_INDEX to a PyTorch wheel index to pick another build (e.g. a CPU-only one).
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
# extra options for `jupyter lab`; as root (containers, cloud boxes) --allow-root is added automatically
LAB_ARGS    ?=
ROOT_FLAG   := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
STAMP       := $(VENV)/.simvae-installed
NBVAL_DIR   := build/nbval/smoke
ONE_THREAD  := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

.PHONY: data setup figures test bench lint format unit notebooks-test lab book sync clean clear-cache help

help:
	@sed -n '1,14p' Makefile

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory data
	@test -x $(PY) || (echo "[setup] creating the virtual environment $(VENV)" && $(PYTHON) -m venv $(VENV))
	@$(PY) -c "import torch" 2>/dev/null || (echo "[setup] installing $(TORCH_SPEC) (the largest download)" && \
		$(PY) -m pip install --quiet "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)))
	@echo "[setup] installing simvae-core and its extras (jupyterlab, papermill, nbval, ...): a minute or two"
	@$(PY) -m pip install --quiet -e ".[dev]"
	@echo "[setup] registering the notebooks' Jupyter kernel"
	@$(PY) -m simvae_core.tooling.pipeline install-kernel >/dev/null
	@touch $(STAMP)
	@echo "[setup] done: $(VENV) is ready"

setup: $(STAMP)

# Fashion-MNIST from Debian's package where we can install it (root on Debian); elsewhere simvae_core
# downloads and caches it on first use (see README, Data).
data:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "[setup] installing Debian package dataset-fashion-mnist"; \
		(apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1)) || \
		echo "could not install dataset-fashion-mnist; it will be downloaded on first use"; \
	fi

figures: setup
	$(PY) -m simvae_core.tooling.pipeline run --profile $(PROFILE) --seed $(SEED) --jobs $(JOBS) \
		$(if $(FORCE),,--if-changed)

# One torch/OpenMP thread: the tests' networks are tiny, and a second thread only spin-waits (7x slower
# beside another CPU-bound job). The notebooks share a model cache of their own, emptied each run.
test: setup lint
	rm -rf build/nbval
	$(PY) -m simvae_core.tooling.pipeline prepare --profile smoke --seed $(SEED) --out $(NBVAL_DIR)
	$(ONE_THREAD) MPLBACKEND=agg SIMVAE_BATCH_RUN=1 \
	SIMVAE_FIGURES_DIR=$(CURDIR)/$(NBVAL_DIR)/figures SIMVAE_CACHE_DIR=$(CURDIR)/build/nbval/models \
		$(PY) -m pytest tests $(NBVAL_DIR) --nbval-lax --nbval-kernel-name python3

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

unit: setup
	$(ONE_THREAD) $(PY) -m pytest tests

# Throughput benchmarks (report numbers, never pass/fail): JSON under build/bench/. Run on a quiet machine.
bench: setup
	$(PY) benchmarks/augment_vs_kornia.py
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/batched_seeds.py
	$(PY) benchmarks/ddp_throughput.py

# The book (Sphinx + MyST-NB, see simvae_core/notebook/book.py): the notebooks as executed in
# figures/executed/ (never re-executed), math by a local MathJax; open build/book/html/index.html or serve
# the folder with `python -m http.server`. Broken internal links fail the build.
book: setup
	$(PY) -m simvae_core.tooling.book --out build/book

lab: setup
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks

# notebooks/*.py (jupytext percent format) are the reviewed source; the paired .ipynb carry no outputs.
sync: setup
	$(VENV)/bin/jupytext --sync notebooks/[0-9][0-9]_*.py

clean:
	rm -rf build .pytest_cache .ruff_cache

clear-cache: setup
	$(PY) -m simvae_core cache clear
