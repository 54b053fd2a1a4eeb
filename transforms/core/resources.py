"""Where the knowledge files of ``configs/`` are found at run time: inside the installed package.

The repository keeps them in its top-level ``configs/`` folder; the wheel ships
that folder as the package ``claimwire_configs`` (a setuptools ``package-dir``
mapping in pyproject.toml), and an editable install maps the same name back
onto the folder. So a driver or a cluster worker that has only the wheel reads
the same files a checkout does, and nothing resolves paths against the
source tree.
"""
from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import lru_cache
from importlib import resources
from pathlib import Path

CONFIG_PACKAGE = "claimwire_configs"


@lru_cache(maxsize=1)
def configs_dir() -> Path:
    """The folder holding ``defaults.toml``, ``lexicons/``, ``entities/`` and the rules."""
    root = resources.files(CONFIG_PACKAGE)
    if isinstance(root, Path):
        return root
    # A zipped install (zipimport) has no folder: loaders walk directories, so extract
    # once and keep the copy for the life of the process.
    stack = ExitStack()
    atexit.register(stack.close)
    return Path(stack.enter_context(resources.as_file(root)))
