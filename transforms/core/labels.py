"""Human labels for the ids that claims and story claims carry (``equipment:su-30mk2`` -> Su-30MK2).

An id listed in ``configs/entities`` shows as the entity's ``name``. An equipment model found by
its designator pattern (not listed) is rebuilt from the designator prefix as ``equipment.toml``
spells it, and a family of such models as ``Su-…MK2``. Anything else shows its readable part.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from transforms.core.entities import EntityLexicon

_MODEL = re.compile(r"equipment:([a-z]+)-(\d+)([a-zа-я]*\d?)")
_FAMILY = re.compile(r"equipment-family:([a-z]+)-([a-zа-я]+\d?)")
_ID = re.compile(r"[a-z][a-z-]*:([^\s:=/]+)")


@dataclass(frozen=True)
class Labels:
    names: dict[str, str] = field(default_factory=dict)        # entity id -> display name
    prefixes: dict[str, str] = field(default_factory=dict)     # "su" -> "Su"

    @classmethod
    def load(cls, configs_dir: Path) -> "Labels":
        folder = Path(configs_dir) / "entities"
        lexicon = EntityLexicon.load_dir(folder)
        names = {eid: ent.name for eid, ent in lexicon.entities.items()}
        prefixes: dict[str, str] = {}
        equipment = folder / "equipment.toml"
        if equipment.is_file():
            with open(equipment, "rb") as fh:
                data = tomllib.load(fh)
            for canon in data.get("designator", {}).get("prefixes", {}):
                prefixes.setdefault(str(canon).lower(), str(canon))
        return cls(names, prefixes)

    def label(self, value: str | None) -> str:
        """What a reader should see for ``value``: a name, not an id."""
        if value is None:
            return ""
        text = str(value)
        if text in self.names:
            return self.names[text]
        m = _MODEL.fullmatch(text)
        if m:
            return f"{self._prefix(m.group(1))}-{m.group(2)}{m.group(3).upper()}"
        m = _FAMILY.fullmatch(text)
        if m:
            return f"{self._prefix(m.group(1))}-…{m.group(2).upper()}"
        m = _ID.fullmatch(text)
        if m:
            readable = m.group(1).replace("_", " ").replace("-", " ")
            return f"{readable.capitalize()} family" if text.startswith("equipment-family:") else readable
        return text

    def _prefix(self, lower: str) -> str:
        return self.prefixes.get(lower, lower.capitalize())
