"""Configuration: commented TOML defaults, overlaid by a user file and ``--set`` pairs.

Validated once, before the graph is built, into plain data that DoFns receive
pickled (no file reads on workers). Unknown sections and keys are errors that
name the place to fix them; values must keep the type of their default.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import tomllib

from transforms.core.resources import configs_dir

CONFIGS_DIR = configs_dir()
DEFAULTS_FILE = CONFIGS_DIR / "defaults.toml"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says where to fix it."""


def settings_from_table(cls: Any, data: Mapping[str, Any], section: str) -> Any:
    """A frozen settings dataclass from one config table: unknown keys and wrong types are errors.

    Every stage's settings (``[extract]``, ``[fetch]``, ``[dedup]``, ``[stories]``) are
    validated here, so they all name the table and key the same way. Values must
    have the type of the field's default (an int is accepted for a float).
    """
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"[{section}] unknown key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = known[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"[{section}] {key} must be bool (true or false), got {value!r}")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"[{section}] {key} must be int, an integer, got {value!r}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"[{section}] {key} must be a number, got {value!r}")
            value = float(value)
        elif isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"[{section}] {key} must be a string, got {value!r}")
        elif isinstance(default, tuple):
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"[{section}] {key} must be a list of strings, got {value!r}")
            value = tuple(value)
        values[key] = value
    return cls(**values)


def _merge(base: dict[str, Any], overlay: Mapping[str, Any], where: str) -> None:
    for key, value in overlay.items():
        if key not in base:
            known = ", ".join(sorted(base)) or "none"
            raise ConfigError(f"{where}: unknown key {key!r} (known: {known})")
        old = base[key]
        if isinstance(old, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: {key!r} must be a table")
            _merge(old, value, f"{where}.{key}" if where else key)
            continue
        if isinstance(old, bool) != isinstance(value, bool) or (
            not isinstance(value, type(old)) and not (isinstance(old, float) and isinstance(value, int))
        ):
            raise ConfigError(
                f"{where}.{key}: expected {type(old).__name__}, got {type(value).__name__} ({value!r})")
        base[key] = float(value) if isinstance(old, float) else value


def _parse_set(pair: str) -> tuple[list[str], Any]:
    if "=" not in pair:
        raise ConfigError(f"--set {pair!r}: expected section.key=value")
    dotted, raw = pair.split("=", 1)
    path = [p for p in dotted.strip().split(".") if p]
    if len(path) < 2:
        raise ConfigError(f"--set {pair!r}: expected section.key=value")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw   # a bare string
    return path, value


@dataclass(frozen=True)
class Config:
    """The validated configuration: the merged tables plus where lexicons live."""

    data: Mapping[str, Any]
    configs_dir: str = str(CONFIGS_DIR)
    sources: tuple[str, ...] = field(default_factory=tuple)

    def section(self, name: str) -> dict[str, Any]:
        return copy.deepcopy(dict(self.data.get(name, {})))

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    @property
    def hash(self) -> str:
        """Stable hash of the effective settings and of the knowledge files they read.

        The lexicons, entities and language rules under ``configs_dir`` shape the
        output as much as the settings do, so a changed lexicon is a changed
        config (and a replay of the same inputs gets a new run id).
        """
        h = hashlib.blake2b(digest_size=8)
        h.update(json.dumps(self.data, sort_keys=True, ensure_ascii=False, default=str).encode())
        root = Path(self.configs_dir)
        for f in sorted(root.rglob("*.toml")) if root.is_dir() else []:
            rel = f.relative_to(root).as_posix()
            if rel == DEFAULTS_FILE.name:
                continue        # already in self.data, with the user's overrides
            h.update(b"\x00" + rel.encode() + b"\x00" + f.read_bytes())
        return h.hexdigest()


def load_config(path: str | Path | None = None, sets: tuple[str, ...] | list[str] = (),
                defaults: Path = DEFAULTS_FILE) -> Config:
    """Defaults, then the user file, then ``--set`` pairs; raises ConfigError on any mistake."""
    with open(defaults, "rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    sources = [str(defaults)]
    if path is not None:
        try:
            with open(path, "rb") as fh:
                user = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"--config {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--config {path}: {exc}") from None
        _merge(data, user, "")
        sources.append(str(path))
    for pair in sets:
        keys, value = _parse_set(pair)
        overlay: dict[str, Any] = {}
        node = overlay
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
        _merge(data, overlay, "--set")
    return Config(data=data, configs_dir=str(defaults.parent), sources=tuple(sources))
