"""Typed settings for one run, validated from the Config before the graph is built.

Everything a worker needs (lexicons, compiled rules, parameters) is loaded
here, in the driver, and shipped pickled inside the DoFns: workers on a
cluster never read ``configs/`` from a local path.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.core.articles import ArticleSettings
from transforms.core.config import Config, ConfigError
from transforms.core.extract import ExtractSettings
from transforms.core.language import LangIdRules, LanguageSettings
from transforms.core.sources import ReadLimits
from transforms.core.textclean import DebrisLexicon


@dataclass
class Settings:
    config: Config
    limits: ReadLimits
    articles: ArticleSettings
    language: LanguageSettings
    claim_extractor: Any
    dedup: Any = None
    stories: Any = None
    entities: Any = None
    state_dir: str | None = None
    extra: dict = field(default_factory=dict)

    def fold_duplicates(self, index: Any = None, run_day: str = ""):
        from transforms.dedup import FoldDuplicates
        return FoldDuplicates(self.dedup, index, run_day)

    def cluster_stories(self, index: Any = None, run_day: str = ""):
        from transforms.stories import ClusterStories
        return ClusterStories(self.stories, self.entities, index, run_day)


def _typed(section: str, factory, data: dict):
    try:
        return factory(data)
    except ConfigError:
        raise                      # already names the table and key
    except (ValueError, TypeError) as exc:   # a range check in the settings' __post_init__
        raise ConfigError(f"[{section}] {exc}") from None


def count_setting(config: Config, dotted: str, zero: str, unit: str) -> int:
    """A key that holds 0 (``zero`` says what 0 means) or a positive whole number of ``unit``."""
    value = config.get(dotted)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        section, _, key = dotted.partition(".")
        raise ConfigError(f"[{section}] {key} must be 0 ({zero}) or a positive number of {unit} (got {value!r})")
    return value


def compact_index_files(config: Config) -> int:
    """``[run] compact_index_files``: 0 (never) or the extra files that make an index table compacted."""
    return count_setting(config, "run.compact_index_files", "never", "files")


def settings_from_config(config: Config, state_dir: str | None = None) -> Settings:
    compact_index_files(config)            # checked before any work, used after the commit
    configs = Path(config.configs_dir)
    limits_cfg = config.section("limits")
    limits = ReadLimits(max_document_bytes=int(limits_cfg["max_document_bytes"]),
                        max_file_bytes=int(limits_cfg["max_file_bytes"]),
                        max_line_bytes=int(limits_cfg["max_line_bytes"]))
    extract = _typed("extract", ExtractSettings.from_mapping, config.section("extract"))
    lang_cfg = config.section("language")
    language = LanguageSettings(min_probability=float(lang_cfg["min_probability"]),
                                min_letters=int(lang_cfg["min_letters"]), seed=int(config.get("run.seed")),
                                rules=_typed("language", lambda _: LangIdRules.load(configs / "langid.toml"), {}))
    debris = DebrisLexicon.load(configs / "debris.toml")
    articles = ArticleSettings(extract=extract, debris=debris, min_text_chars=extract.min_text_chars)
    from transforms.core.claims import ClaimKnowledge
    from transforms.core.dedup import DedupConfig
    from transforms.core.stories import StoryConfig
    kb = ClaimKnowledge.load(configs)
    extractor = load_extractor(config.get("claims.extractor"), kb)
    return Settings(
        config=config, limits=limits, articles=articles, language=language,
        claim_extractor=extractor,
        dedup=_typed("dedup", DedupConfig.from_mapping, config.section("dedup")),
        stories=_typed("stories", StoryConfig.from_mapping, config.section("stories")),
        entities=kb.entities,          # the claims' entity lexicon: one load, one object to ship
        state_dir=state_dir,
    )


def load_extractor(spec: str, kb: Any) -> Any:
    """The claim extractor named ``module:Class`` in the config, built with the lexicons."""
    import importlib
    module, _, name = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"[claims] extractor {spec!r}: {exc}") from None
    extractor = cls(kb)
    if not callable(getattr(extractor, "extract", None)):
        raise ConfigError(f"[claims] extractor {spec!r} has no extract(article_id, text, lang) method")
    return extractor
