"""Exit 0 when the active environment already satisfies a requirements file.

`make book` and `make test` call this before `pip install -r requirements.txt`, so
that an unchanged environment skips pip's five-second resolve and the editable
rebuild of samlib:

    python tools/requirements_met.py requirements.txt || pip install -r requirements.txt

Every pinned line must be installed at a matching version (nested ``-r`` files are
read too) and ``-e .`` must be samlib installed editable from this repository. Any
line this script does not understand, or a missing ``packaging``, counts as unmet:
the worst case is that pip runs, never that a requirement is skipped.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of ``path``, nested ``-r`` files expanded."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line[3:].strip())
        else:
            lines.append(line)
    return lines


def editable_here(line: str, root: Path) -> bool:
    """Whether ``-e <dir>`` is installed editable from ``root / <dir>``."""
    target = (root / line[3:].strip()).resolve()
    for dist in metadata.distributions():
        direct_url = dist.read_text("direct_url.json")
        if not direct_url:
            continue
        info = json.loads(direct_url)
        editable = info.get("dir_info", {}).get("editable", False)
        if editable and info.get("url") == target.as_uri():
            return True
    return False


def pinned_installed(line: str) -> bool:
    """Whether the requirement ``line`` is installed at a version it allows."""
    from packaging.requirements import Requirement

    requirement = Requirement(line)
    if requirement.marker is not None and not requirement.marker.evaluate():
        return True
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return False
    return requirement.specifier.contains(version, prereleases=True)


def unmet(path: Path) -> list[str]:
    """The lines of ``path`` the active environment does not satisfy."""
    missing = []
    for line in requirement_lines(path):
        try:
            if line.startswith("-e "):
                met = editable_here(line, path.parent)
            else:
                met = pinned_installed(line)
        except Exception:  # an unparsed line, or no `packaging`: let pip decide
            met = False
        if not met:
            missing.append(line)
    return missing


if __name__ == "__main__":
    missing = unmet(Path(sys.argv[1]))
    for line in missing:
        print(f"not installed: {line}")
    sys.exit(1 if missing else 0)
