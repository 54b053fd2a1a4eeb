import pytest

from transforms.core.config import ConfigError, load_config


def test_defaults_load_and_every_key_is_commented():
    cfg = load_config()
    assert cfg.get("run.runner") == "FnApiRunner"
    text = open(cfg.sources[0], encoding="utf-8").read().splitlines()
    for i, line in enumerate(text):
        s = line.strip()
        if s and not s.startswith(("#", "[")) and "=" in s:
            assert text[i - 1].strip().startswith("#") or text[i - 1].strip().endswith(("[", ",")), \
                f"key without a comment: {s}"


def test_user_file_and_sets_overlay(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[language]\nmin_probability = 0.8\n")
    cfg = load_config(f, ["language.min_letters=5", "run.runner=DirectRunner"])
    assert cfg.get("language.min_probability") == 0.8
    assert cfg.get("language.min_letters") == 5
    assert cfg.get("run.runner") == "DirectRunner"
    assert cfg.hash != load_config().hash


@pytest.mark.parametrize("sets,msg", [
    (["languag.min_letters=5"], "unknown key 'languag'"),
    (["language.min_letter=5"], "unknown key 'min_letter'"),
    (["language.min_letters=abc"], "expected int"),
    (["language"], "section.key=value"),
])
def test_mistakes_name_the_place(sets, msg):
    with pytest.raises(ConfigError, match=msg):
        load_config(None, sets)


def test_bad_user_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[language\n")
    with pytest.raises(ConfigError, match="c.toml"):
        load_config(f)
    with pytest.raises(ConfigError, match="No such file"):
        load_config(tmp_path / "missing.toml")


def test_hash_is_stable():
    assert load_config().hash == load_config().hash


def test_hash_covers_the_knowledge_files(tmp_path):
    import shutil
    from transforms.core.config import CONFIGS_DIR
    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS_DIR, configs)
    base = load_config(defaults=configs / "defaults.toml").hash
    assert base == load_config().hash
    rules = configs / "langid.toml"
    rules.write_text(rules.read_text() + "\n# a comment changes nothing read, but the file changed\n")
    assert load_config(defaults=configs / "defaults.toml").hash != base
