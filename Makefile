# The two commands of the quick start. Each installs the pinned requirements (and
# samlib, editable) into the active Python environment first, so a fresh venv works;
# an environment that already has them skips pip (tools/requirements_met.py).
PYTHON ?= python3

.PHONY: install book test acceptance lint clean

install:
	@$(PYTHON) tools/requirements_met.py requirements.txt >/dev/null || \
		$(PYTHON) -m pip install --quiet -r requirements.txt

# Notebook outputs are cached by their code (jupyter-cache); a change to samlib clears
# the cache and Sphinx's record of read pages, so that every chapter is re-executed
# with the new library and its pages rebuilt.
book: install
	@hash=$$(cat samlib/*.py | sha1sum | cut -c1-40); \
	if [ "$$(cat _build/.samlib-hash 2>/dev/null)" != "$$hash" ]; then \
		rm -rf _build/.jupyter_cache _build/.doctrees; fi; \
	mkdir -p _build && echo "$$hash" > _build/.samlib-hash
	$(PYTHON) book/_ext/execute_notebooks.py
	jupyter-book build . -W -n --keep-going

# Everyday tests: samlib's unit and property tests, doctests, every notebook (nbval).
test: install
	$(PYTHON) -m pytest -m "not acceptance"

# Acceptance: the built book in headless Chromium, the assignments graded, the student
# edition scanned. Needs `make book` first and requirements-ci.txt.
acceptance: install
	$(PYTHON) -m pytest -m acceptance

# The package, its tests, the benchmarks, the tools, the book's extensions, the
# assignments and the chapters (notebooks included): lint and formatting.
LINTED = samlib tests benchmarks tools book/_ext assignments book/*.ipynb

lint:
	$(PYTHON) -m ruff check $(LINTED)
	$(PYTHON) -m ruff format --check $(LINTED)

clean:
	rm -rf _build
