"""Execute the book's notebooks into the build's jupyter-cache, one per core.

jupyter-book 1.0.4 executes the notebooks of ``execute_notebooks: cache`` one after
the other. ``make book`` runs this script first: jupyter-cache's parallel executor
runs the notebooks whose code changed (all of them on a clean build) on every core,
and the build that follows finds them cached and only renders the pages. A notebook
that fails here is executed again by the build, which reports its error.

    python book/_ext/execute_notebooks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "_build" / ".jupyter_cache"


def chapters() -> list[Path]:
    """The executable chapters, in the order of their file names."""
    return sorted((ROOT / "book").glob("*.ipynb"))


def execute(timeout: int = 300) -> list[str]:
    """Execute the outdated chapters into the cache; return the ones that failed."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(str(CACHE))
    for path in chapters():
        cache.add_nb_to_project(str(path))
    result = load_executor("local-parallel", cache=cache).run_and_cache(timeout=timeout)
    return sorted(result.errored + result.excepted)


if __name__ == "__main__":
    failed = execute()
    if failed:  # the build re-executes them and shows the traceback
        print(f"notebooks that failed to execute: {failed}", file=sys.stderr)
