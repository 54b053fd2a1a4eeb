"""FetchConfig: typed, validated, unknown keys rejected with a message saying where."""
from __future__ import annotations

import pytest

from transforms.core.fetch.config import ConfigError, FetchConfig


def test_defaults_match_the_contract():
    c = FetchConfig()
    assert (c.delay, c.timeout, c.max_bytes, c.max_redirects) == (1.0, 30.0, 5 * 1024 * 1024, 5)
    assert c.allow_private_network is False and c.refetch is False
    assert c.user_agent.startswith("claimwire/")


def test_from_mapping_converts_and_validates():
    c = FetchConfig.from_mapping({"delay": 2, "allow_private_network": True, "user_agent": "x/1"})
    assert c.delay == 2.0 and isinstance(c.delay, float) and c.allow_private_network


@pytest.mark.parametrize("bad, words", [
    ({"dealy": 1}, "unknown key(s): dealy"),
    ({"delay": "1"}, "delay must be a number"),
    ({"retries": 1.5}, "retries must be int, an integer"),
    ({"allow_private_network": 1}, "true or false"),
    ({"timeout": 0}, "timeout must be > 0"),
    ({"max_bytes": 0}, "max_bytes must be >= 1"),
    ({"user_agent": " "}, "user_agent must not be empty"),
])
def test_bad_values_rejected(bad, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        FetchConfig.from_mapping(bad)


def test_hashable_and_picklable():
    import pickle
    c = FetchConfig(delay=0.5)
    assert pickle.loads(pickle.dumps(c)) == c and hash(c) == hash(FetchConfig(delay=0.5))
