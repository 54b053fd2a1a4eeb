"""Rule-based claim extraction: attributions, quotes, quantities and equipment, with evidence.

Usage::

    kb = ClaimKnowledge.load(configs_dir())   # transforms.core.resources; once per worker (picklable)
    claims = extract_claims(article.article_id, article.text, article.lang, kb)

Every claim's ``text[char_start:char_end]`` is its evidence in the stored article
text; claimant/cue/statement spans index the same text. Rules run on the
digit-normalised text, which has the same length, so ۶۱ reads as 61 and spans
still hold. What a language contributes (cue verbs, counted nouns, scale
words, number formats, quote marks) is data in ``configs/lexicons/<lang>.toml``.

``ClaimExtractor`` is the seam for another extractor (a model-backed one):
anything with ``extract(article_id, text, lang) -> list[Claim]`` that honours
the same span contract can replace or complement ``RuleClaimExtractor``.
"""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol, Sequence

from anyascii import anyascii

from transforms.core.claims.attribution import MAX_SENTENCE_CHARS, Attribution, find_attributions, statement_text
from transforms.core.claims.equipment import EquipmentFinder, EquipmentMention
from transforms.core.claims.lexicon import LangLexicon, load_all
from transforms.core.claims.numbers import Quantity, find_quantities
from transforms.core.claims.sentences import split_sentences
from transforms.core.digits import normalize_digits
from transforms.core.entities import EntityLexicon, EntityMention
from transforms.core.records import Claim
from transforms.core.shared import UnpickledOnce

__all__ = ["ClaimKnowledge", "ClaimExtractor", "RuleClaimExtractor", "extract_claims", "claim_slot", "claim_value"]

FALLBACK_LANG = "en"
_WORD = re.compile(r"[^\W_]+")
# A line that is a counter, a bullet of a headline list or a list marker carries no claims.
_BULLET = re.compile(r"^\s*(?:[•·▪►*●◦–—-]|\+\d|\d{1,3}[.)]\s)")


class ClaimExtractor(Protocol):
    """What the Beam stage calls. Implementations must be picklable and never raise on text.

    ``extract`` returns claims whose ``text[char_start:char_end]`` is the evidence and whose
    claim ids are stable (blake2b of article id, kind and span), so reruns give equal rows.
    """

    def extract(self, article_id: str, text: str, lang: str) -> list[Claim]: ...


@dataclass
class ClaimKnowledge(UnpickledOnce):
    """Every lexicon loaded and compiled once; shipped to Beam workers by pickling."""

    lexicons: dict[str, LangLexicon]
    entities: EntityLexicon
    equipment: EquipmentFinder
    families: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, configs_dir: Path) -> "ClaimKnowledge":
        configs_dir = Path(configs_dir)
        lexicons = load_all(configs_dir / "lexicons")
        entities = EntityLexicon.load_dir(configs_dir / "entities")
        equipment = EquipmentFinder.load(configs_dir / "entities" / "equipment.toml")
        return cls(lexicons, entities, equipment, dict(equipment.families))

    def lexicon_for(self, lang: str) -> Optional[LangLexicon]:
        lang = (lang or "").lower().replace("_", "-")
        return self.lexicons.get(lang) or self.lexicons.get(lang.split("-")[0]) or self.lexicons.get(FALLBACK_LANG)


@dataclass
class RuleClaimExtractor:
    kb: ClaimKnowledge

    def extract(self, article_id: str, text: str, lang: str) -> list[Claim]:
        return extract_claims(article_id, text, lang, self.kb)


def claim_id(article_id: str, kind: str, start: int, end: int) -> str:
    return hashlib.blake2b(f"{article_id}\x1f{kind}\x1f{start}\x1f{end}".encode(), digest_size=16).hexdigest()


def claim_slot(claim_key: str) -> str:
    """The part of a claim key that names *what* is claimed, without the value given for it."""
    return claim_key.split("=", 1)[0]


def claim_value(claim_key: str) -> str:
    return claim_key.split("=", 1)[1] if "=" in claim_key else ""


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6g}"


def _boilerplate_lines(text: str, spaced: bool = True) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            junk = _BULLET.match(line) is not None
            if not junk:
                # enough words and letters make prose; stop counting as soon as a line has them
                least_words, least_letters = (4, 12) if spaced else (0, 6)
                n = letters = 0
                for m in _WORD.finditer(line):
                    n += 1
                    w = m.group(0)
                    if not w.isdigit():
                        letters += len(w)
                    if n >= least_words and letters >= least_letters:
                        break
                junk = n < least_words or letters < least_letters
            if junk:
                out.append((pos, end + 1))
        pos = end + 1
    return out


def _mentions(norm: str, kb: ClaimKnowledge,
              regions: Sequence[tuple[int, int]]) -> tuple[list[EntityMention], list[EquipmentMention]]:
    """Entity mentions inside the sentences that hold claims: the rest of the text needs none."""
    ents: list[EntityMention] = []
    if regions:
        # one pass over the text is cheaper than one per region once regions cover much of it
        covered = sum(b - a for a, b in regions)
        if covered * 2 >= len(norm):
            starts = [a for a, _ in regions]
            for m in kb.entities.find(norm):
                i = bisect.bisect_right(starts, m.start) - 1
                if i >= 0 and m.end <= regions[i][1]:
                    ents.append(m)
        else:
            for a, b in regions:
                ents.extend(EntityMention(m.start + a, m.end + a, m.entity_id, m.type, m.text)
                            for m in kb.entities.find(norm[a:b]))
    equip = [EquipmentMention(m.start, m.end, m.entity_id, kb.families.get(m.entity_id), m.text)
             for m in ents if m.type == "equipment"]
    taken = [(m.start, m.end) for m in ents]
    for m in kb.equipment.find(norm):
        if not any(a < m.end and m.start < b for a, b in taken):
            equip.append(m)
            ents.append(EntityMention(m.start, m.end, m.entity_id, "equipment", m.text))
    ents.sort(key=lambda m: (m.start, m.end))
    equip.sort(key=lambda m: (m.start, m.end))
    return ents, equip


def sentence_of_span(sentences: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    import bisect
    i = bisect.bisect_right(sentences, (pos, float("inf"))) - 1
    if 0 <= i < len(sentences) and sentences[i][0] <= pos < sentences[i][1]:
        return sentences[i]
    return pos, pos + 1


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _ids_in(mentions: Sequence[EntityMention], s: int, e: int) -> tuple[str, ...]:
    """Entity ids of the mentions inside [s, e); ``mentions`` sorted by start (a bisect, not a scan)."""
    ids = set()
    for k in range(bisect.bisect_left(mentions, s, key=lambda m: m.start), len(mentions)):
        m = mentions[k]
        if m.start >= e:
            break
        if m.end <= e:
            ids.add(m.entity_id)
    return tuple(sorted(ids))


def _claimant_type(text: str, span: Optional[tuple[int, int]], mentions: Sequence[EntityMention],
                   lex: LangLexicon) -> tuple[Optional[str], Optional[str]]:
    """(type, key) of a claimant: a lexicon entity, else the head noun's type, else named/unnamed."""
    if span is None:
        return None, None
    s, e = span
    inside = [m for m in mentions if s <= m.start and m.end <= e and m.type in ("person", "organisation")]
    inside.sort(key=lambda m: (m.type != "person", m.start))
    low = text[s:e].lower()
    heads = lex.claimant_index.find(low, 0, len(low)) if lex.spaced else list(lex.re_claimant_head.finditer(low))
    # "documents obtained by The Post" is a document; "Kremlin spokesman Peskov" is Peskov
    if heads and len(_WORD.findall(low[:heads[0].start()])) <= 1:
        typ = lex.claimant_head.get(re.sub(r"[\s\u200c]+", " ", heads[0].group(0)))
        if typ in ("document", "unnamed"):
            return typ, typ
    if inside:
        return inside[0].type, inside[0].entity_id
    if heads:
        h = re.sub(r"[\s\u200c]+", " ", heads[-1].group(0))
        typ = lex.claimant_head.get(h)
        if typ is not None:
            return typ, typ
    words = _WORD.findall(text[s:e])
    caps = [w for w in words[-3:] if w[0].isupper()]
    if caps:
        return "named", "name:" + _name_skeleton(caps[-1])
    return "unnamed", "unnamed"


def _name_skeleton(word: str) -> str:
    """A name as outlets in Latin and Cyrillic scripts spell it alike: Reuters/Reuters, Путин/Putin -> "ptn".

    Accents and case go, Cyrillic is transliterated, then only the first five consonants are kept, since
    vowels are what transliterations disagree on (Трамп -> Tramp, Trump).
    """
    # Cyrillic letters through anyascii, as story names are (its consonants are those of the table this
    # replaced, letter for letter); other scripts as before
    low = "".join(anyascii(ch) if "\u0400" <= ch <= "\u04ff" else ch for ch in word.lower())
    ascii_ = unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode()
    # five consonants are enough to tell names apart and leave case endings out (Süddeutsche/Süddeutschen)
    skeleton = re.sub(r"[^a-z]|[aeiouy]", "", ascii_)[:5]
    # one consonant ("Il", "Lee") says too little to tell names apart
    return skeleton if len(skeleton) >= 2 else hashlib.blake2b(word.lower().encode(), digest_size=6).hexdigest()


def _claimant_identity(text: str, span: tuple[int, int], mentions: Sequence[EntityMention], lex: LangLexicon,
                       ctype: str, ckey: str) -> str:
    """Who the claimant is, in terms every language shares: ``<type>[+<identity>...]``.

    Identities are an institution (``inst:foreign_ministry@place:russia``), the person and
    organisation entities named in the claimant, and the name skeletons of its other capitalised words
    ("Nachrichtenagentur Reuters" and "l'agence Reuters" both give ``name:rtrs``). Two claimants are
    the same when they share an identity; ones with none (``official``, ``document``, ``pronoun``) only
    by their type, which story matching treats as weak.
    """
    ids: set[str] = set()
    inst = _institution(text, span, mentions, lex)
    if inst:
        ids.add(inst)
    ids.update(m.entity_id for m in mentions
               if span[0] <= m.start and m.end <= span[1] and m.type in ("person", "organisation"))
    skip = lex.claimant_trim | lex.conjunctions | lex.noun_markers | frozenset(lex.claimant_head)
    ws = list(_WORD.finditer(text, span[0], span[1]))
    for k, w in enumerate(ws if not ids else ()):
        word = w.group(0)
        # a first word right after a sentence's end is capitalised for its place, not as a name
        at_start = k == 0 and text[max(0, w.start() - 2):w.start()].strip(" \u00a0") != ""
        if len(word) >= 3 and word[0].isupper() and word.lower() not in skip and not at_start and \
                not any(m.start <= w.start() < m.end for m in mentions):
            ids.add("name:" + _name_skeleton(word))
    if ckey.startswith("name:") and not ids:
        ids.add(ckey)
    base = ckey if ":" not in ckey else ctype
    return "+".join([base, *sorted(ids)])


def _institution(text: str, span: tuple[int, int], mentions: Sequence[EntityMention],
                 lex: LangLexicon) -> Optional[str]:
    """"Russian Foreign Ministry spokeswoman X" / "وزارت خارجه روسیه" -> ``inst:foreign_ministry@place:russia``.

    A spokesperson speaks for an institution, so the institution (with the country named beside
    it, when one is) is the claimant that outlets in other languages name too.
    """
    if not lex.institutions:
        return None
    low = lex.fold(text[span[0]:span[1]])
    low = re.sub(r"[\s\u200c]+", " ", low)
    m = lex.re_institution.search(low)
    if m is None:
        return None
    concept = lex.institutions[m.group(0)]
    places = sorted({m.entity_id for m in mentions
                     if span[0] <= m.start and m.end <= span[1] and m.type == "place"})
    return f"inst:{concept}" + (f"@{places[0]}" if places else "")


def extract_claims(article_id: str, text: str, lang: str, kb: ClaimKnowledge) -> list[Claim]:
    """All claims of one article, sorted by span; never raises on any text."""
    if not isinstance(text, str) or not text.strip():
        return []
    lex = kb.lexicon_for(lang if isinstance(lang, str) else "")
    if lex is None:
        return []
    norm = normalize_digits(text)
    folded = lex.fold(norm)
    if len(folded) != len(norm):
        # lower() can change length (İ -> i̇); fall back to per-character folding to keep offsets.
        folded = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in norm).replace("\u200c", " ")
    sentences = split_sentences(norm, lex)
    junk = _boilerplate_lines(norm, lex.spaced)
    quantities_found = find_quantities(norm, lex, junk)
    atts = find_attributions(norm, folded, sentences, lex, junk)
    regions = _merge([sentence_of_span(sentences, q.start) for q in quantities_found] +
                     [(a.start, a.end) for a in atts] +
                     [sentence_of_span(sentences, p) for p in kb.equipment.find_hints(norm)])
    mentions, equipment = _mentions(norm, kb, regions)
    claims: dict[tuple[str, int, int], Claim] = {}

    def sentence_of(pos: int) -> tuple[int, int]:
        sp = sentence_of_span(sentences, pos)
        if sp[1] - sp[0] > MAX_SENTENCE_CHARS:
            # a run-on "sentence" (no punctuation, 1 MB): each claim keeps the piece around it, not all of it
            a = max(sp[0], pos - MAX_SENTENCE_CHARS // 2)
            return a, min(sp[1], a + MAX_SENTENCE_CHARS)
        return sp if sp[1] > sp[0] + 1 or sp in sentences else (pos, pos)

    def add(c: Claim) -> None:
        claims.setdefault((c.kind, c.char_start, c.char_end), c)

    for q in quantities_found:
        add(_quantity_claim(article_id, text, lang, q, sentence_of(q.start), mentions, equipment))
    quantities = sorted(claims.values(), key=lambda c: c.char_start)
    for a in atts:
        add(_attribution_claim(article_id, text, lang, a, mentions, quantities, lex))
    seen_models: set[str] = set()
    for m in equipment:
        if m.entity_id in seen_models or any(a <= m.start < b for a, b in junk):
            continue
        seen_models.add(m.entity_id)
        s, e = sentence_of(m.start)
        slot = m.family or m.entity_id
        add(Claim(
            claim_id=claim_id(article_id, "equipment", m.start, m.end), article_id=article_id, kind="equipment",
            char_start=m.start, char_end=m.end, confidence=0.9 if m.family else 0.7,
            claim_key=f"equipment/{slot}={m.entity_id}", lang=lang, statement=text[s:e] or None,
            statement_start=s if e > s else None, statement_end=e if e > s else None,
            unit=None, entities=_ids_in(mentions, s, e) or (m.entity_id,),
        ))
    return sorted(claims.values(), key=lambda c: (c.char_start, c.char_end, c.kind))


def _quantity_claim(article_id: str, text: str, lang: str, q: Quantity, sent: tuple[int, int],
                    mentions: Sequence[EntityMention], equipment: Sequence[EquipmentMention]) -> Claim:
    lo = bisect.bisect_left(equipment, q.end, key=lambda m: m.start)
    counted = [m.entity_id for m in equipment[lo:lo + 8] if q.end <= m.start <= q.counted_end + 40 and
               sent[0] <= m.start < sent[1] and not re.search(r"[.;,،]", text[q.end:m.start])]
    slot = f"quantity/{q.unit}" + (f"/{counted[0]}" if counted else "")
    value = _fmt(q.value) + (f"-{_fmt(q.value_max)}" if q.value_max is not None else "")
    s, e = sent if sent[1] > sent[0] else (q.start, q.end)
    return Claim(
        claim_id=claim_id(article_id, "quantity", q.start, q.end), article_id=article_id, kind="quantity",
        char_start=q.start, char_end=q.end, confidence=q.confidence, claim_key=f"{slot}={value}", lang=lang,
        statement=text[s:e], statement_start=s, statement_end=e, value=q.value, value_max=q.value_max,
        unit=q.unit, modifier=q.modifier, cue=text[q.counted_start:q.counted_end] or None,
        cue_start=q.counted_start, cue_end=q.counted_end, entities=_ids_in(mentions, s, e),
    )


def _attribution_claim(article_id: str, text: str, lang: str, a: Attribution, mentions: Sequence[EntityMention],
                       quantities: Sequence[Claim], lex: LangLexicon) -> Claim:
    ctype, ckey = _claimant_type(text, a.claimant, mentions, lex)
    if a.claimant is not None:
        ckey = _claimant_identity(text, a.claimant, mentions, lex, ctype or "unnamed", ckey or "unnamed")
    ss, se = a.statement
    # what is asserted: the statement's entities, and for a quote also those between its cue and its
    # end ('said Moscow "supports Venezuela"'), never the claimant's own
    lo = ss if a.kind != "quote" else min(ss, max(a.cue[1] if a.cue else ss, a.claimant[1] if a.claimant else ss))
    own = set(_ids_in(mentions, *a.claimant)) if a.claimant else set()
    ents = tuple(e for e in _ids_in(mentions, lo, max(se, a.end if a.kind == "quote" else se)) if e not in own)
    nums = sorted({c.claim_key.split("/", 1)[1].replace("=", ":") for c in quantities if lo <= c.char_start < se})
    said = statement_text(text, a)
    words = hashlib.blake2b(" ".join(_WORD.findall(lex.fold(said))).encode(), digest_size=6).hexdigest()
    if ckey is None:
        # no source to match on: only the very same words (a syndicated copy) share the key
        ckey = "none:" + words
    # a statement with no entity and no number is matched by its words alone, never by its claimant alone
    key = f"said/{ckey}/{','.join(ents) or ('' if nums else 'text:' + words)}" + (f"/{';'.join(nums)}" if nums else "")
    cl = a.claimant
    return Claim(
        claim_id=claim_id(article_id, a.kind, a.start, a.end), article_id=article_id, kind=a.kind,
        char_start=a.start, char_end=a.end, confidence=a.confidence, claim_key=key, lang=lang,
        claimant=text[cl[0]:cl[1]] if cl else None, claimant_type=ctype,
        cue=text[a.cue[0]:a.cue[1]] if a.cue else None, statement=said,
        claimant_start=cl[0] if cl else None, claimant_end=cl[1] if cl else None,
        cue_start=a.cue[0] if a.cue else None, cue_end=a.cue[1] if a.cue else None,
        statement_start=ss, statement_end=se, entities=_ids_in(mentions, a.start, a.end),
    )
