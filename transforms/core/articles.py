"""From a RawDocument to an Article: main text, title, source and publication date.

HTML goes through trafilatura (``extract.extract_html``); plain text through the
debris cleaner (``textclean``). The publication date is taken, in order of
trust, from the input record (JSON field, HTTP/feed date), the seed header
line, the page metadata, and finally dates written in the text itself.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from transforms.core.dates import parse_date_hint, publication_date
from transforms.core.extract import ExtractSettings, Extracted, extract_html, strip_controls
from transforms.core.records import Article, Failure, RawDocument, Reason, Stage
from transforms.core.textclean import DebrisLexicon, clean_plain_text, split_seed_header
from transforms.core.urls import site_of

TEXT_EXTRACTOR = "claimwire-textclean 1"


@dataclass(frozen=True)
class ArticleSettings:
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    debris: DebrisLexicon | None = None
    min_text_chars: int = 25


def build_article(raw: RawDocument, settings: ArticleSettings, extractor: object | None = None,
                  extracted: Extracted | Failure | None = None) -> Article | Failure:
    """The article of one document, or a Failure naming why there is none.

    ``extractor`` may be an ``IsolatedExtractor`` (same ``extract(html, url)``
    signature) that runs trafilatura in a worker process with a time limit.
    ``extracted`` is what an extractor already gave for an HTML page (see
    ``IsolatedExtractor.submit``); then none is called.
    """
    published, date_source = None, ""
    if raw.published:
        published = parse_date_hint(raw.published)
        date_source = "record" if published else ""
    if raw.format == "html":
        if extracted is not None:
            result = extracted
        elif extractor is not None:
            result = extractor.extract(raw.body, raw.url)  # type: ignore[attr-defined]
        else:
            result = extract_html(raw.body, raw.url, settings.extract)
        if isinstance(result, Failure):
            return dataclasses.replace(result, input=raw.input)
        ex: Extracted = result
        title, text, how = (raw.title or ex.title or "").strip(), ex.text, ex.extractor
        if published is None and ex.published:
            published = parse_date_hint(ex.published)
            date_source = "html" if published else ""
        source = raw.source or site_of(raw.url) or (ex.sitename or "")
    else:
        # As for HTML (extract._clean_text): C0/C1 controls and bidi overrides would hide or
        # reorder what a reader sees of the text that claims quote.
        header = split_seed_header(strip_controls(raw.body))
        # A record's own title wins, so the body's first paragraph stays text.
        cleaned = clean_plain_text(header.body, raw.title or header.rest, settings.debris)
        title, text, how = (raw.title or cleaned.title or "").strip(), cleaned.text, TEXT_EXTRACTOR
        if not raw.title and not text.strip():
            # An untitled one-paragraph text: its only line is the text (and may serve as title).
            text = title
        if published is None and header.date:
            published = parse_date_hint(header.date)
            date_source = "header" if published else ""
        source = raw.source or site_of(raw.url)
    text = text.strip()
    if len(text) < settings.min_text_chars:
        return Failure(Stage.EXTRACT.value, Reason.NO_TEXT.value, raw.input,
                       f"{len(text)} characters of main text (< {settings.min_text_chars})")
    if published is None:
        published, how_date = publication_date(text, raw.lang)
        date_source = how_date if published else ""
    return Article(
        article_id=raw.doc_id, input=raw.input, url=raw.url, source=source, title=title, text=text,
        lang=raw.lang or "", published_at=published, date_source=date_source, extractor=how,
        warc_file=raw.warc_file, warc_offset=raw.warc_offset,
    )
