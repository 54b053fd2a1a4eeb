"""Named equipment: lexicon entries plus model designators found by pattern.

A designator is a known maker/series prefix, a hyphen, digits and an optional
variant suffix (Su-30MK2, Il-76, MiG-29SMT). Its id keeps the whole model
(``equipment:su-30mk2``) and its family drops the number but keeps the variant
(``equipment-family:su-mk2``), so outlets that name Su-20MK2 and Su-30MK2 for
the same jets are seen to disagree, while "Su-30" alone commits to no variant.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


_HINT = re.compile(r"[^\W\d_][\-‐–]\s?\d")
_DASH = re.compile(r"[\-‐–]")
_CAP_WORD_BEFORE = re.compile(r"[A-Z][a-z]+$")


@dataclass(frozen=True)
class EquipmentMention:
    start: int
    end: int
    entity_id: str
    family: Optional[str]
    text: str


class EquipmentFinder:
    def __init__(self, prefixes: dict[str, list[str]], families: dict[str, str]):
        self.families = dict(sorted(families.items()))
        alias_to_prefix: dict[str, str] = {}
        for canon, aliases in sorted(prefixes.items()):
            for a in [canon, *aliases]:
                alias_to_prefix.setdefault(a, canon)
        self.alias_to_prefix = alias_to_prefix
        alts = "|".join(re.escape(a) for a in sorted(alias_to_prefix, key=lambda s: (-len(s), s)))
        # The suffix is upper-case Latin/Cyrillic letters with an optional digit: MK2, SMT, M3, S.
        self._pattern = re.compile(
            r"(?<![\w\-])(" + alts + r")[\s]?[\-‐–]?[\s]?(\d{1,4})([A-ZА-Я]{1,4}\d?)?(?![\w\-])"
        ) if alts else None

    @classmethod
    def load(cls, path: Path) -> "EquipmentFinder":
        if not path.exists():
            return cls({}, {})
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        prefixes = {str(k): [str(a) for a in v] for k, v in data.get("designator", {}).get("prefixes", {}).items()}
        families = {str(eid): str(spec["family"]) for eid, spec in data.get("entity", {}).items() if "family" in spec}
        return cls(prefixes, families)

    def family_of(self, entity_id: str) -> Optional[str]:
        if entity_id in self.families:
            return self.families[entity_id]
        m = re.fullmatch(r"equipment:([a-z]+)-\d+([a-zа-я]+\d?)", entity_id)
        return f"equipment-family:{m.group(1)}-{m.group(2)}" if m else None

    def find_hints(self, text: str) -> list[int]:
        """Offsets where equipment may be named: a letter, a hyphen and a digit (Su-30), or "Name-Name".

        Scans the few hyphens of a text rather than trying a pattern at every character.
        """
        out: list[int] = []
        for m in _DASH.finditer(text):
            p = m.start()
            h = _HINT.match(text, max(0, p - 1)) if p > 0 else None
            if h is not None:
                out.append(h.start())
                continue
            w = _CAP_WORD_BEFORE.search(text, max(0, p - 40), p)
            if w is not None and p + 1 < len(text) and "A" <= text[p + 1] <= "Z":
                out.append(w.start())
        return out

    def find(self, text: str) -> list[EquipmentMention]:
        if self._pattern is None or not text:
            return []
        out = []
        for m in self._pattern.finditer(text):
            prefix = self.alias_to_prefix[m.group(1)]
            # a bare one-letter prefix needs the hyphen ("F-16"), or "S 300" would be any S and a number
            if len(prefix) <= 2 and "-" not in m.group(0) and "‐" not in m.group(0) and "–" not in m.group(0):
                continue
            eid = f"equipment:{prefix.lower()}-{m.group(2)}{(m.group(3) or '').lower()}"
            out.append(EquipmentMention(m.start(), m.end(), eid, self.family_of(eid), m.group(0)))
        return out
