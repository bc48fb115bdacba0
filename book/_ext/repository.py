"""Point the launch (Binder, Colab, Thebe) and repository buttons at the repository.

The book's public address is not written into `_config.yml`: it is read at build time
from the environment variable ``BOOK_REPOSITORY_URL`` (the Pages workflow sets it to
``https://github.com/<owner>/<repo>``), else from the ``origin`` remote when that is a
GitHub address. With neither, the build leaves the launch and repository buttons out
rather than link to a repository that may not be this one.
"""

from __future__ import annotations

import os
import re
import subprocess

GITHUB = re.compile(r"github\.com[:/](?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(\.git)?/?$")


def repository_url(srcdir: str) -> str | None:
    """The book's GitHub repository as ``https://github.com/owner/repo``, or None."""
    candidates = [os.environ.get("BOOK_REPOSITORY_URL", "")]
    try:
        candidates.append(
            subprocess.run(
                ["git", "-C", srcdir, "remote", "get-url", "origin"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        )
    except (OSError, subprocess.SubprocessError):
        pass
    for candidate in candidates:
        match = GITHUB.search(candidate.strip())
        if match:
            return f"https://github.com/{match['owner']}/{match['repo']}"
    return None


def _configure(app, config):
    options = config.html_theme_options
    url = repository_url(app.srcdir)
    if url:
        options["repository_url"] = url
        options["use_repository_button"] = True
        return
    options.pop("launch_buttons", None)
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        options[key] = False
    options["repository_url"] = ""


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
