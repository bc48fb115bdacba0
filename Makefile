# The two commands of the quick start. Each installs the pinned requirements (and
# samlib, editable) into the active Python environment first, so a fresh venv works.
PYTHON ?= python3

.PHONY: install book test lint clean

install:
	$(PYTHON) -m pip install --quiet -r requirements.txt

book: install
	jupyter-book build . -W -n --keep-going

test: install
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check samlib tests
	$(PYTHON) -m ruff format --check samlib tests

clean:
	rm -rf _build
