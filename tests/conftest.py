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
