"""Records that flow between stages.

Plain frozen dataclasses: picklable for any Beam runner, comparable in tests,
and free of Beam so the core stays pure. Every stage turns one record into
its output record(s) or into a :class:`Failure` with a stable reason code.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


class Reason(str, enum.Enum):
    """Stable reason codes for ``failures.reason``. Values are persisted: never rename."""

    UNREADABLE = "unreadable"             # OS error reading a file
    EMPTY = "empty"                       # nothing (or only whitespace) in the input
    BINARY = "binary"                     # not text (NUL bytes, undecodable, known binary magic)
    UNSUPPORTED = "unsupported_format"    # a file type we do not read
    BAD_GZIP = "bad_gzip"                 # truncated or corrupt gzip
    BAD_JSON = "bad_json"                 # a JSON line that does not parse or is not an object
    MISSING_FIELD = "missing_field"       # a JSON-lines record without url or html/text
    BAD_FIELD = "bad_field"               # a field of the wrong type or an unusable value
    TOO_LARGE = "too_large"               # over a size limit (the limit is named in detail)
    NO_TEXT = "no_text"                   # extraction found no main text
    EXTRACT_ERROR = "extract_error"       # the extractor raised
    EXTRACT_TIMEOUT = "extract_timeout"   # the extractor ran past its time limit
    LANG_UNKNOWN = "lang_unknown"         # language could not be detected
    CLAIMS_ERROR = "claims_error"         # older runs: the claim extractor raised (now internal_error)
    BAD_WARC = "bad_warc"                 # a WARC file or record that cannot be read
    DUPLICATE_ID = "duplicate_id"         # a second article with an article_id already seen in the run
    # fetch (live runs); HTTP statuses that end a fetch are "http_<status>" (http_404, http_503)
    TIMEOUT = "timeout"                   # a request ran past its connect/read/wall-clock limit
    ROBOTS_DISALLOWED = "robots_disallowed"  # robots.txt forbids the URL for our user agent
    PRIVATE_ADDRESS = "private_address"   # host resolves to loopback/private/reserved address
    BAD_SCHEME = "bad_scheme"             # not http(s), also after a redirect
    BAD_URL = "bad_url"                   # a URL that cannot be parsed or has no host
    REDIRECT_LOOP = "redirect_loop"       # a redirect back to a URL already visited
    TOO_MANY_REDIRECTS = "too_many_redirects"
    DECOMPRESSION_LIMIT = "decompression_limit"  # decoded body over the size cap (gzip bomb)
    BAD_ENCODING = "bad_content_encoding" # unknown or corrupt Content-Encoding
    BAD_FEED = "bad_feed"                 # a feed with no usable entries
    DNS_ERROR = "dns_error"               # host name does not resolve
    CONNECTION_ERROR = "connection_error" # refused, reset, TLS or protocol error
    # any stage: an exception escaped the code that handles one record (a bug, or an input
    # no rule foresaw); detail holds the exception's type, message and last frame
    INTERNAL_ERROR = "internal_error"


class Stage(str, enum.Enum):
    READ = "read"
    FETCH = "fetch"
    EXTRACT = "extract"
    LANGUAGE = "language"
    DEDUP = "dedup"
    STORIES = "stories"
    CLAIMS = "claims"
    SUMMARISE = "summarise"   # stories and story_claims rows; one record is one story
    SINK = "sink"


@dataclass(frozen=True)
class Failure:
    stage: str
    reason: str
    input: str          # URL, file path, or path:line
    detail: str = ""


@dataclass(frozen=True)
class RawDocument:
    """One input document before extraction, with its provenance."""

    doc_id: str                      # stable: hash of url and raw content
    input: str                       # where it came from: path, path:line, or URL
    url: str                         # record url, or the file's file:// URI
    format: str                      # "html" or "text"
    body: str                        # decoded HTML or plain text
    title: Optional[str] = None
    published: Optional[str] = None  # raw date hint (seed header line, record field, HTTP)
    source: Optional[str] = None     # outlet, when the input says
    lang: Optional[str] = None       # language, when the input says
    warc_file: Optional[str] = None
    warc_offset: Optional[int] = None
    charset: Optional[str] = None    # codec and what decided it: "utf-8 (http)", "cp1252 (meta)"


@dataclass(frozen=True)
class Article:
    """An extracted article. ``text`` is what claims' offsets index into."""

    article_id: str
    input: str
    url: str
    source: str
    title: str
    text: str
    lang: str = ""
    lang_prob: float = 0.0
    published_at: Optional[datetime] = None    # timezone-aware UTC, or None
    date_source: str = ""                      # header | record | html | text | ""
    content_hash: str = ""
    dup_of: Optional[str] = None
    story_id: str = ""
    extractor: str = ""
    warc_file: Optional[str] = None
    warc_offset: Optional[int] = None
    # The article's claims, pickled, when they were extracted ahead of the claims stage (see
    # transforms.claims.PrepareClaims); never a column of any dataset.
    prepared_claims: Optional[bytes] = None
    # Its story profile's parts (transforms.core.stories.ProfileParts), pickled, when they were
    # computed ahead of the stories stage (transforms.stories.PrepareProfiles); never a column.
    prepared_profile: Optional[bytes] = None
    # True while its language, detected ahead in the extraction process (transforms.core.prepare),
    # waits for DetectLanguage, which keeps it and clears this; never a column.
    prepared_language: bool = False

    def replace(self, **changes: object) -> "Article":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Claim:
    """One claim with its evidence span ``text[char_start:char_end]`` of its article."""

    claim_id: str
    article_id: str
    kind: str                          # quote | reported | quantity
    char_start: int
    char_end: int
    confidence: float
    claim_key: str
    lang: str = ""
    story_id: str = ""
    claimant: Optional[str] = None
    claimant_type: Optional[str] = None   # named | unnamed | organisation | document | ...
    cue: Optional[str] = None
    statement: Optional[str] = None
    value: Optional[float] = None
    value_max: Optional[float] = None     # upper bound of a range
    unit: Optional[str] = None            # normalised concept: death, missile, km, percent, USD
    modifier: Optional[str] = None        # at_least | about | more_than | up_to | less_than
    claimant_start: Optional[int] = None
    claimant_end: Optional[int] = None
    cue_start: Optional[int] = None
    cue_end: Optional[int] = None
    statement_start: Optional[int] = None
    statement_end: Optional[int] = None
    entities: tuple[str, ...] = field(default_factory=tuple)   # canonical entity ids


@dataclass(frozen=True)
class ArticleMeta:
    """What story-level aggregation needs of an article: no text."""

    article_id: str
    source: str
    lang: str
    published_at: Optional[datetime]
    story_id: str = ""
    dup_of: Optional[str] = None
    title: str = ""

    @property
    def outlet(self) -> str:
        """The source, or an outlet of its own when unknown: two articles of unknown source
        cannot be said to share one, so they may corroborate or dispute each other."""
        return self.source or f"unknown:{self.article_id}"

    @classmethod
    def of(cls, a: "Article") -> "ArticleMeta":
        return cls(a.article_id, a.source, a.lang, a.published_at, a.story_id, a.dup_of, a.title)
