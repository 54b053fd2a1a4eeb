"""A cheap look at the shape of HTML before it reaches lxml and trafilatura.

Why: lxml's HTML parser stops building the tree at depth 256 (libxml2 without
XML_PARSE_HUGE), so a deeper page silently loses its text; and trafilatura's cost
grows faster than linearly in the number of elements and links (measured: 300,000
links in 4.5 MB took 30 to 290 s and 1.1 GB; 50,000 elements 11 s). A page over a
limit is reported with the limit named, in milliseconds, instead of costing a
worker its whole time limit.

Extraction itself checks the same limits on the tree it parses anyway (``tree_over``,
below), which is far cheaper; ``markup_shape`` measures raw markup without a parser
(tests/eval/eval_hostile.py).

The scan is one linear pass of a regex tokenizer. It counts like a lenient parser:
void elements and elements whose end tag is optional (``p``, ``li``, ``td``...)
do not nest, an end tag closes one level. It stops as soon as a limit is passed.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

# Comments and raw-text elements are skipped whole; a tag is "<name ...>" with no "<" inside,
# so a stray "<" costs a scan to the next "<", never to the end (linear, not quadratic).
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title|xmp|plaintext)\b[^<>]*>.*?(?:</\1\s*>|\Z)"
    r"|<(/?)([A-Za-z][A-Za-z0-9:_-]*)[^<>]*?(/?)>",
    re.DOTALL | re.IGNORECASE,
)
_VOID = frozenset([
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "basefont", "bgsound", "frame", "isindex",
])
# End tags optional in HTML: parsers close them implicitly, so they do not deepen the tree.
_OPTIONAL_END = frozenset([
    "html", "head", "body", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "rtc",
])


@dataclass(frozen=True)
class MarkupShape:
    depth: int        # deepest nesting seen (stops growing once over the depth limit)
    links: int        # <a> start tags
    elements: int     # start tags
    over: str = ""    # "extract.max_depth=256 (depth 257)" when a limit was passed, else ""


def markup_shape(html: str, max_depth: int, max_links: int, max_elements: int) -> MarkupShape:
    """Depth, link and element counts of ``html``; stops at the first limit passed."""
    depth = deepest = links = elements = 0
    for m in _TOKEN.finditer(html):
        if m.group(1):                 # a raw-text element, skipped whole
            elements += 1
            continue
        name = m.group(3)
        if name is None:               # a comment
            continue
        name = name.lower()
        if m.group(2):                 # an end tag
            if depth and name not in _VOID and name not in _OPTIONAL_END:
                depth -= 1
            continue
        elements += 1
        if name == "a":
            links += 1
            if links > max_links:
                return MarkupShape(deepest, links, elements,
                                   f"extract.max_links={max_links} (more links than that)")
        if elements > max_elements:
            return MarkupShape(deepest, links, elements,
                               f"extract.max_elements={max_elements} (more elements than that)")
        if m.group(4) or name in _VOID or name in _OPTIONAL_END:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > max_depth:
                return MarkupShape(deepest, links, elements,
                                   f"extract.max_depth={max_depth} (elements nested deeper than that)")
    return MarkupShape(deepest, links, elements)


# ------------------------------------------------------------------ the same limits on a parsed tree

# libxml2 (without XML_PARSE_HUGE) stops nesting at this many levels, <html> being level 1: a
# tree that reaches it has lost what lay deeper.
LXML_MAX_LEVELS = 256


@functools.lru_cache(maxsize=16)
def _tree_xpaths(max_depth: int) -> tuple[Any, Any, Any]:
    from lxml.etree import XPath

    # "/*/*/.../*" walks the tree level by level: linear in elements, in C, like the counts.
    levels = min(max_depth + 1, LXML_MAX_LEVELS)
    return XPath("count(//*)"), XPath("count(//a)"), XPath("boolean(" + "/*" * levels + ")")


def tree_over(tree: Any, max_depth: int, max_links: int, max_elements: int) -> str:
    """The limit a parsed (lxml) tree passes, named as in ``MarkupShape.over``, or "".

    What extraction uses: the page is parsed once anyway, and counting on the tree is an
    order of magnitude cheaper than ``markup_shape``'s tokenizer (0.2 vs 1.9 ms per real
    page). Depth counts levels of the tree (``<html>`` is 1, ``<p>`` and ``<li>`` count);
    a tree that reaches libxml2's 256 levels was cut by the parser, so it is over any
    ``max_depth`` of 255 or more.
    """
    count, links, deep = _tree_xpaths(max_depth)
    # Links first: a page of links is over both, and links are what it is made of.
    n = int(links(tree))
    if n > max_links:
        return f"extract.max_links={max_links} ({n} links)"
    n = int(count(tree))
    if n > max_elements:
        return f"extract.max_elements={max_elements} ({n} elements)"
    if deep(tree):
        return f"extract.max_depth={max_depth} (elements nested deeper than that)"
    return ""
