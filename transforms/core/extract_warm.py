"""Fill the extractor's lazy caches once, on import.

The extraction fork server imports this module (``isolate.PRELOAD``), so every worker forked from
it starts warm. Two caches cost seconds on a worker's first pages otherwise:

- trafilatura's and lxml's lazily imported modules and compiled expressions (a small page);
- dateparser's per-locale split expressions. htmldate hands a date-like string that its own rules
  cannot read to dateparser with no language given, and dateparser then tries its 205 locales in
  turn, compiling each one's expressions on first use: 2.0-3.2 s on the first such page of a run
  (measured on the bench's HTML pages), ms afterwards. A string that no locale reads compiles
  them all.

It also loads langdetect's language profiles (0.2 s), which a worker that prepares pages
(``transforms.core.prepare``) uses on its first one.

Nothing here may raise: the fork server imports preloaded modules catching ImportError only.
"""
from __future__ import annotations

# Date-like enough for dateparser to try every locale, and read by none.
_NO_LOCALE_DATE = "12 qqqq 2019"


def warm_up() -> None:
    try:
        from transforms.core.extract import ExtractSettings, extract_html
        from transforms.core.isolate import WARM_UP_HTML
        extract_html(WARM_UP_HTML, None, ExtractSettings(), None)
        from htmldate.extractors import get_external_parser
        get_external_parser().get_date_data(_NO_LOCALE_DATE)
        from transforms.core.language import LanguageSettings, detect_language
        detect_language("One sentence of English text that loads the language profiles.", LanguageSettings())
    except Exception:  # noqa: BLE001, S110 - a real page meets and reports the same error
        pass


warm_up()
