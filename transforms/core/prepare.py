"""Work on an article done ahead of its stage, where a core would otherwise wait (pure core).

With one local Beam worker, the first fused stage (extract, language, claims, profile) runs in one
thread of the driver's process, beside the isolated extraction processes. That thread was the
run's bottleneck: it built each article and worked out its language, claims and profile parts
while the extraction processes waited for the next page. ``prepare_page`` does that per-page work
in the extraction process itself, right after the page is extracted (``isolate.IsolatedExtractor``
with ``prep``), so the driver's thread only emits the articles.

Every step gives exactly what its stage gives (the stages call the same functions), and a step
that fails leaves its part undone, for the stage to do again and dead-letter as its own failure:
nothing done ahead changes a row.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any, Callable

from transforms.core.articles import TEXT_EXTRACTOR, ArticleSettings, build_article
from transforms.core.extract import Extracted
from transforms.core.language import LanguageSettings, detect_language
from transforms.core.records import Article, RawDocument
from transforms.core.entities import EntityLexicon
from transforms.core.stories import ProfileParts, StoryConfig, profile_parts


def with_language(settings: LanguageSettings, article: Article) -> Article:
    """``article`` with its detected language: what ``DetectLanguage`` sets. One whose language an
    extraction process detected ahead (``prepared_language``) keeps it, and loses the mark, so the
    stages after see the same article either way."""
    if article.prepared_language:
        return article.replace(prepared_language=False)
    # The title helps on short texts; it is the same language as the text in news.
    result = detect_language(f"{article.title}\n{article.text}", settings, hint=article.lang or None)
    return article.replace(lang=result.lang, lang_prob=result.probability)


def prepared_ahead(article: Any, field: str, compute: Callable[[Any], Any]) -> Any:
    """``article`` with ``compute(article)`` pickled into ``field``: work done ahead, in the wait on
    the isolated extractor (``PrepareClaims``, ``PrepareProfiles``, ``prepare_page``). A plain-text
    article has no such wait and passes through unchanged; so does one whose field is already set,
    and one whose work fails here, for its own stage to do again and dead-letter."""
    if article.extractor == TEXT_EXTRACTOR or getattr(article, field) is not None:
        return article
    try:
        blob = pickle.dumps(compute(article), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:      # noqa: BLE001 - the stage that needs it meets it again and dead-letters it
        return article
    return article.replace(**{field: blob})


def claims_of(extractor: Any, article: Article) -> list:
    """An article's claims, as ``PrepareClaims`` and ``prepare_page`` carry them ahead."""
    return list(extractor.extract(article.article_id, article.text, article.lang))


def profile_parts_of(cfg: StoryConfig, lexicon: EntityLexicon, article: Article) -> ProfileParts:
    """An article's story profile parts, as ``PrepareProfiles`` and ``prepare_page`` carry them ahead."""
    return profile_parts(article.title, article.text, lexicon, cfg, article.lang)


@dataclass(frozen=True)
class PagePrep:
    """What an extraction process needs to prepare a page's article as the driver would: the
    article settings, the language settings, the claim extractor, and the stories config with its
    entity lexicon. Pickled once per extraction process, when it starts."""

    articles: ArticleSettings
    language: LanguageSettings
    claims: Any                 # a ClaimExtractor (``extract(article_id, text, lang)``)
    stories: StoryConfig
    entities: EntityLexicon

    def claims_of(self, article: Article) -> list:
        return claims_of(self.claims, article)

    def profile_of(self, article: Article) -> ProfileParts:
        return profile_parts_of(self.stories, self.entities, article)


def prepare_page(raw: RawDocument, extracted: Extracted, prep: PagePrep) -> Article | None:
    """The article of an extracted page as the first fused stage leaves it: built, its language
    detected, its claims and profile parts pickled with it. None when the page gives no article or
    its language fails (the driver then builds it and meets the same failure in its own stage);
    claims or profile parts that fail are left out (their stages compute them again)."""
    try:
        article = build_article(raw, prep.articles, None, extracted)
        if not isinstance(article, Article):
            return None
        article = with_language(prep.language, article).replace(prepared_language=True)
    except Exception:   # noqa: BLE001 - the driver's stages meet it again and dead-letter it
        return None
    article = prepared_ahead(article, "prepared_claims", prep.claims_of)
    return prepared_ahead(article, "prepared_profile", prep.profile_of)
