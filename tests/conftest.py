import logging
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

# Nothing in the suite may reach the network; Beam must not try to download Prism.
os.environ.setdefault("NO_PROXY", "*")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(autouse=True)
def _quiet_beam():
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    yield


def pytest_collection_modifyitems(session, config, items):
    """Files with slow tests first, heaviest first (``pytest.mark.slow(weight=N)``, default 1), stable
    otherwise: with ``make test``'s one worker per core (pytest-xdist, a file per worker), the long
    files start at once instead of ending the run on one worker while the other idles."""
    weight: dict = {}
    for item in items:
        mark = item.get_closest_marker("slow")
        if mark is not None:
            weight[item.path] = max(weight.get(item.path, 0), mark.kwargs.get("weight", 1))
    items.sort(key=lambda item: -weight.get(item.path, 0))
