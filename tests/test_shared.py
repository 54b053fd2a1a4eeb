"""Lexicons are unpickled once per process (transforms.core.shared) and stay the same lexicons."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from apache_beam.internal import pickler

from transforms.core.claims import ClaimKnowledge, extract_claims

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Russian Foreign Minister Sergei Lavrov said on Sunday that Moscow would send 2 radars to Venezuela."

_CHILD = """
import pickle, sys
from transforms.core.claims import extract_claims
data = sys.stdin.buffer.read()
a, b = pickle.loads(data), pickle.loads(data)
assert a is b and a.entities is b.entities, "restored twice"
print(len(extract_claims("x", sys.argv[1], "en", a)), sorted(m.entity_id for m in a.entities.find(sys.argv[1])))
"""


def test_a_process_restores_the_lexicons_once_and_they_find_what_the_originals_find():
    kb = ClaimKnowledge.load(ROOT / "configs")
    data = pickle.dumps(kb)
    # A runner in this process reuses the object (the original, or an equal one pickled before in it).
    first = pickle.loads(data)
    assert pickle.loads(data) is first
    assert pickler.loads(pickler.dumps(kb)) is first     # Beam's pickler (cloudpickle) honours it too
    assert pickle.dumps(kb) == data                      # the state is pickled once, then reused
    assert first.entities.find(TEXT) == kb.entities.find(TEXT) and extract_claims("x", TEXT, "en", first)
    child = subprocess.run([sys.executable, "-c", _CHILD, TEXT], input=data, capture_output=True, cwd=ROOT,
                           timeout=120)
    assert child.returncode == 0, child.stderr.decode()[-2000:]
    expected = f"{len(extract_claims('x', TEXT, 'en', kb))} {sorted(m.entity_id for m in kb.entities.find(TEXT))}"
    assert child.stdout.decode().strip() == expected
    assert "place:venezuela" in expected
