"""``--state`` on local disk or on object storage (``s3://``, ``gs://``, ``memory://``, ``file://`` ...).

The pipeline itself only ever sees a local folder. A local ``--state`` is used in
place under ``run_lock`` (flock). A URL is mirrored through fsspec:

1. a lease ``<url>/run.lock`` (JSON: token, host, pid, acquired_at, expires_at)
   is taken, kept alive by a heartbeat thread and released only if it is still
   ours. Object stores have no flock and no process to tie a lock to, so the
   lease expires instead: a run killed with SIGKILL blocks the state for at
   most one TTL (or not at all for the next run on the same host, which sees
   the holder's pid is gone);
2. the current generation is downloaded into a local cache folder, itself under
   ``run_lock``. Remote layout: ``<url>/HEAD`` names the current generation,
   ``<url>/gen-<id>/`` holds its files and ``MANIFEST.json``;
3. the local folder is yielded; on a clean exit it is uploaded as a new
   generation, HEAD written last. One PUT of one object is atomic on S3 and
   GCS, so a kill mid-upload leaves the previous generation current. On an
   exception nothing is uploaded. Two generations are kept.

How exclusive the lease is depends on the backend, and fsspec names the
capability the same everywhere: ``pipe_file(path, data, mode="create")``.
s3fs sends ``If-None-Match: *`` (S3 conditional writes; botocore > 1.35.20),
gcsfs sends ``ifGenerationMatch=0`` (marked experimental by gcsfs),
``memory://`` and ``file://`` open with ``"xb"``. Filesystems that do not
implement it fall back to fsspec's exists-then-write, which is not atomic:
for them every lease write is read back and verified, which narrows the race
but cannot close it. Replacing an expired lease and the heartbeat are
compare-and-swap on S3 (``If-Match`` on the ETag); elsewhere they are
read-compare-write followed by a read-back, and the token is checked again
before a new generation is uploaded, so a run that lost its lease never
overwrites the state of the run that took it.

Expiry compares the holder's ``expires_at`` with the reader's clock: hosts
sharing a state need clocks within a small fraction of the TTL.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipelines.runner import RunError, run_lock
from transforms.core.sink import pid_alive

log = logging.getLogger("claimwire")

DEFAULT_LEASE_TTL_S = 300.0
ENV_LEASE_TTL = "CLAIMWIRE_STATE_LEASE_TTL"
ENV_CACHE = "CLAIMWIRE_STATE_CACHE"
LEASE_NAME = "run.lock"
HEAD_NAME = "HEAD"
MANIFEST_NAME = "MANIFEST.json"
KEEP_GENERATIONS = 2
# Marks a cache folder whose content equals a remote generation; absent while a run may change it.
CACHE_MARKER = ".claimwire-generation"

# protocol -> (package, extra of claimwire that installs it)
_PACKAGES: dict[str, tuple[str, str]] = {
    "s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"), "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", ""), "abfs": ("adlfs", ""), "abfss": ("adlfs", ""),
}


def is_remote(spec: str | None) -> bool:
    return bool(spec) and "://" in str(spec)


@contextmanager
def open_state(spec: str | None, output: str | Path, *, lease_ttl: float | None = None,
               cache_root: Path | None = None) -> Iterator[Path]:
    """The state folder a run uses, locked for the run; a URL is mirrored in a local cache.

    ``spec`` is ``--state`` as given (None: ``output/.state``, on object storage
    too when ``output`` is a URL). Refuses at once with :class:`RunError` when
    another run holds the state.
    """
    if not spec and is_remote(str(output)):
        spec = str(output).rstrip("/") + "/.state"
    if not is_remote(spec):
        state = Path(spec).absolute() if spec else Path(output) / ".state"
        with run_lock(state):
            yield state
        return
    url = str(spec).rstrip("/")
    fs, root = remote_filesystem(url)
    ttl = lease_ttl if lease_ttl is not None else _env_ttl()
    cache = cache_folder(url, cache_root)
    lease = Lease(fs, f"{root}/{LEASE_NAME}", ttl=ttl, name=url)
    with _remote_errors(url, "could not take the lease on"):
        lease.acquire()
    try:
        with run_lock(cache):
            store = GenerationStore(fs, root)
            with _remote_errors(url, "could not download the state from"):
                head = download_state(store, cache)
            (cache / CACHE_MARKER).unlink(missing_ok=True)
            yield cache
            # Reached only when the run ended cleanly: a failed run uploads nothing.
            lease.ensure_held()
            with _remote_errors(url, "the run published, but could not upload the state to"):
                generation = upload_state(store, cache, head)
            if generation is not None:
                (cache / CACHE_MARKER).write_text(generation + "\n", encoding="utf-8")
    finally:
        lease.release()


def remote_filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path of ``url`` inside it); a missing package is a one-line RunError."""
    protocol = url.split("://", 1)[0].lower()
    try:
        import fsspec
        from fsspec.implementations.local import LocalFileSystem
    except ImportError:
        raise RunError(f"--state {url}: a state on object storage needs the package fsspec "
                       "(pip install fsspec)") from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError:
        package, extra = _PACKAGES.get(protocol, (None, ""))
        if package is None:
            err = fsspec.registry.known_implementations.get(protocol, {}).get("err", "")
            raise RunError(f"--state {url}: the {protocol}:// filesystem is not installed"
                           f"{': ' + err if err else ''}") from None
        hint = f" (or pip install 'claimwire[{extra}]')" if extra else ""
        raise RunError(f"--state {url}: the {protocol}:// filesystem needs the package {package}; "
                       f"pip install {package}{hint}") from None
    except ValueError as exc:
        raise RunError(f"--state {url}: {exc}") from None
    if isinstance(fs, LocalFileSystem):
        fs.auto_mkdir = True      # object stores need no folders; a file:// state does
    return fs, str(root).rstrip("/")


def cache_folder(url: str, cache_root: Path | None = None) -> Path:
    """Local mirror of a remote state: one folder per URL under ``$CLAIMWIRE_STATE_CACHE``."""
    root = cache_root or (Path(os.environ[ENV_CACHE]) if os.environ.get(ENV_CACHE)
                          else Path.home() / ".cache" / "claimwire" / "state")
    key = hashlib.blake2b(url.encode("utf-8"), digest_size=10).hexdigest()
    return Path(root).absolute() / key


# -- the lease ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeaseRecord:
    token: str
    host: str
    pid: int
    acquired_at: str
    expires_at: str

    def expires(self) -> float:
        return datetime.fromisoformat(self.expires_at).timestamp()

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, lease until {self.expires_at}"

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")

    @staticmethod
    def decode(data: bytes) -> LeaseRecord | None:
        try:
            d = json.loads(data.decode("utf-8"))
            rec = LeaseRecord(token=str(d["token"]), host=str(d["host"]), pid=int(d["pid"]),
                              acquired_at=str(d["acquired_at"]), expires_at=str(d["expires_at"]))
            rec.expires()
            return rec
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


class Lease:
    """A lease object on a filesystem, renewed by a heartbeat thread while held."""

    def __init__(self, fs: Any, path: str, *, ttl: float = DEFAULT_LEASE_TTL_S, name: str | None = None,
                 clock: Callable[[], float] = time.time, heartbeat: float | None = None) -> None:
        if ttl <= 0:
            raise ValueError(f"lease TTL must be positive, not {ttl}")
        self.fs = fs
        self.path = path
        self.ttl = ttl
        self.name = name or path
        self.clock = clock
        self.interval = heartbeat if heartbeat is not None else ttl / 3
        self.token = secrets.token_hex(16)
        self.host = platform.node()
        self.pid = os.getpid()
        self.held = False
        self.lost_to: str | None = None
        self._acquired_at = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # - public
    def acquire(self) -> None:
        """Take the lease or raise RunError naming the live holder; takes over an expired one."""
        for _ in range(5):
            self._acquired_at = _iso(self.clock())
            mine = self._record()
            try:
                self.fs.pipe_file(self.path, mine.encode(), mode="create")
            except FileExistsError:
                pass
            else:
                if self._verify():
                    return self._start()
                continue
            seen = _read(self.fs, self.path)
            if seen is None:
                continue                       # released between our write and our read
            data, version = seen
            holder = LeaseRecord.decode(data)
            if holder is None:
                raise RunError(f"the state {self.name} has an unreadable lease {self.path}; "
                               "if no run is active, delete it")
            why = self._stale(holder)
            if why is None:
                raise RunError(f"another claimwire run holds the state {self.name} "
                               f"({holder.describe()}); wait for it to finish")
            if self._replace(data, version, mine.encode()) and self._verify():
                log.warning("took over the lease on %s from %s (%s)", self.name, holder.describe(), why)
                return self._start()
        raise RunError(f"could not take the lease on {self.name}: other runs keep racing for it")

    def renew(self) -> bool:
        """Extend the lease by one TTL; False (and ``lost_to`` set) when someone else holds it."""
        for _ in range(2):
            seen = _read(self.fs, self.path)
            holder = LeaseRecord.decode(seen[0]) if seen else None
            if seen is None or holder is None or holder.token != self.token:
                self.lost_to = holder.describe() if holder else "nobody (the lease was removed)"
                return False
            if self._replace(seen[0], seen[1], self._record().encode()):
                return True
            # A write landed between our read and our conditional write: look again.
        self.lost_to = "another run writing the lease"
        return False

    def ensure_held(self) -> None:
        """RunError unless the lease is still ours: a run that lost it must not write the state."""
        if self.lost_to is None:
            seen = _read(self.fs, self.path)
            holder = LeaseRecord.decode(seen[0]) if seen else None
            if holder is None or holder.token != self.token:
                self.lost_to = holder.describe() if holder else "nobody (the lease was removed)"
        if self.lost_to is not None:
            raise RunError(f"the run published locally, but lost the lease on {self.name} to "
                           f"{self.lost_to}; the remote state was not updated")

    def release(self) -> None:
        """Stop the heartbeat; delete the lease only if the token is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if not self.held:
            return
        self.held = False
        try:
            seen = _read(self.fs, self.path)
            holder = LeaseRecord.decode(seen[0]) if seen else None
            if holder is not None and holder.token == self.token:
                self.fs.rm_file(self.path)
        except _remote_error_types() as exc:  # the lease then expires on its own after one TTL
            log.warning("could not release the lease on %s: %s", self.name, exc)

    # - private
    def _record(self) -> LeaseRecord:
        now = self.clock()
        return LeaseRecord(self.token, self.host, self.pid, self._acquired_at or _iso(now), _iso(now + self.ttl))

    def _stale(self, holder: LeaseRecord) -> str | None:
        if holder.expires() <= self.clock():
            return "expired"
        if holder.host == self.host and holder.pid != self.pid and not pid_alive(holder.pid):
            return f"pid {holder.pid} is gone"
        return None

    def _replace(self, seen: bytes, version: str | None, data: bytes) -> bool:
        """Overwrite the lease object only if it still holds ``seen`` (atomically where possible)."""
        if version is not None and _is_s3(self.fs):
            try:
                self.fs.pipe_file(self.path, data, IfMatch=version)
            except (FileExistsError, OSError):
                return False               # 412: someone wrote since we read
            return True
        now = _read(self.fs, self.path)
        if now is None or now[0] != seen:
            return False
        self.fs.pipe_file(self.path, data)
        return True

    def _verify(self) -> bool:
        """Read back what we wrote: the only guard on filesystems without an exclusive create."""
        seen = _read(self.fs, self.path)
        holder = LeaseRecord.decode(seen[0]) if seen else None
        return holder is not None and holder.token == self.token

    def _start(self) -> None:
        self.held = True
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="claimwire-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.renew():
                    log.error("lost the lease on %s to %s; this run will not update the state",
                              self.name, self.lost_to)
                    return
            except _remote_error_types() as exc:  # a network blip: the next beat retries within the TTL
                log.warning("could not renew the lease on %s: %s", self.name, exc)
            except BaseException as exc:
                # A bug: the lease will lapse, so this run must not upload over whoever takes it.
                self.lost_to = f"nobody (the heartbeat failed: {type(exc).__name__})"
                raise


def _is_s3(fs: Any) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return "s3" in protocols


def _info_version(fs: Any, path: str) -> str | None:
    try:
        fs.invalidate_cache(path)
        info = fs.info(path)
    except FileNotFoundError:
        return None
    v = info.get("ETag") or info.get("generation")
    return str(v) if v else None


def _read(fs: Any, path: str) -> tuple[bytes, str | None] | None:
    """(bytes, version) of an object, or None when it does not exist."""
    try:
        fs.invalidate_cache(path)
        version = _info_version(fs, path)
        return fs.cat_file(path), version
    except FileNotFoundError:
        return None


# -- generations -------------------------------------------------------------------------------

class GenerationStore:
    """``<root>/HEAD`` -> ``<root>/gen-<id>/``; a generation is complete before HEAD names it."""

    def __init__(self, fs: Any, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")

    def head(self) -> dict | None:
        seen = _read(self.fs, f"{self.root}/{HEAD_NAME}")
        if seen is None:
            return None
        try:
            head = json.loads(seen[0].decode("utf-8"))
            str(head["generation"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise RunError(f"the remote state {self.root} has an unreadable {HEAD_NAME}") from None
        return head

    def manifest(self, generation: str) -> dict[str, dict]:
        seen = _read(self.fs, f"{self.root}/{generation}/{MANIFEST_NAME}")
        if seen is None:
            raise RunError(f"the remote state {self.root}: {HEAD_NAME} names {generation}, "
                           "which has no manifest")
        return json.loads(seen[0].decode("utf-8"))["files"]

    def generations(self) -> list[str]:
        self.fs.invalidate_cache(self.root)
        try:
            entries = self.fs.ls(self.root, detail=False)
        except FileNotFoundError:
            return []
        return sorted(n for n in (e.rstrip("/").rsplit("/", 1)[-1] for e in entries) if n.startswith("gen-"))


def download_state(store: GenerationStore, cache: Path) -> dict | None:
    """Make ``cache`` hold the current generation (nothing when there is none); returns HEAD."""
    head = store.head()
    generation = head["generation"] if head else None
    marker = cache / CACHE_MARKER
    if generation and marker.is_file() and marker.read_text(encoding="utf-8").strip() == generation:
        log.info("state cache %s already holds %s", cache, generation)
        return head
    _clear_cache(cache)
    if generation is None:
        return None
    files = store.manifest(generation)
    remote = [f"{store.root}/{generation}/{rel}" for rel in sorted(files)]
    local = [str(cache / rel) for rel in sorted(files)]
    for p in local:
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    if remote:
        store.fs.get(remote, local)
    for rel, meta in files.items():
        if _digest(cache / rel) != meta["blake2b"]:
            raise RunError(f"the remote state {store.root}/{generation}/{rel} does not match its manifest")
    marker.write_text(generation + "\n", encoding="utf-8")
    log.info("downloaded state %s (%d files) into %s", generation, len(files), cache)
    return head


def upload_state(store: GenerationStore, cache: Path, previous: dict | None,
                 clock: Callable[[], float] = time.time) -> str | None:
    """Upload ``cache`` as a new generation, HEAD last; returns the generation now current."""
    files = state_files(cache)
    manifest = {rel: {"size": p.stat().st_size, "blake2b": _digest(p)} for rel, p in files.items()}
    if previous is not None and store.manifest(previous["generation"]) == manifest:
        log.info("state unchanged; %s stays current", previous["generation"])
        return str(previous["generation"])
    now = clock()
    generation = (f"gen-{datetime.fromtimestamp(now, timezone.utc):%Y%m%dT%H%M%S%fZ}-"
                  f"{secrets.token_hex(4)}")
    base = f"{store.root}/{generation}"
    rels = sorted(files)
    if rels:
        store.fs.put([str(files[r]) for r in rels], [f"{base}/{r}" for r in rels])
    store.fs.pipe_file(f"{base}/{MANIFEST_NAME}",
                       json.dumps({"files": manifest}, sort_keys=True, indent=1).encode("utf-8"))
    head = {"generation": generation, "previous": previous["generation"] if previous else None,
            "written_at": _iso(now), "files": len(rels)}
    # The commit point: before this one PUT the previous generation is current.
    store.fs.pipe_file(f"{store.root}/{HEAD_NAME}", json.dumps(head, sort_keys=True).encode("utf-8"))
    _drop_old_generations(store, keep={generation, head["previous"]})
    log.info("uploaded state %s (%d files)", generation, len(rels))
    return generation


def state_files(cache: Path) -> dict[str, Path]:
    """Files of a state folder worth keeping: the live index dereferenced, no lock or run leftovers."""
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(cache, followlinks=True):
        rel_dir = Path(dirpath).relative_to(cache)
        if rel_dir == Path("."):
            # index-* are staged or replaced index folders; ``index`` (a link) names the live one.
            dirnames[:] = [d for d in dirnames if not d.startswith("index-") and d != "index.tmp"]
            filenames = [f for f in filenames if f not in (LEASE_NAME, CACHE_MARKER, "index.tmp")]
        elif rel_dir == Path("fetch"):
            dirnames[:] = [d for d in dirnames if d != "staging"]       # one run's feed records
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(("-journal", "-wal", "-shm")):
                continue
            path = Path(dirpath) / name
            if path.is_file():
                out[(rel_dir / name).as_posix()] = path
    return out


def _drop_old_generations(store: GenerationStore, keep: set[str | None]) -> None:
    try:
        for name in store.generations():
            if name not in keep:
                store.fs.rm(f"{store.root}/{name}", recursive=True)
    except _remote_error_types() as exc:  # only space is lost; the next run tries again
        log.warning("could not remove old state generations under %s: %s", store.root, exc)


def _clear_cache(cache: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    for entry in cache.iterdir():
        if entry.name == LEASE_NAME:
            continue                   # the flock we hold lives on this file
        if entry.is_symlink() or entry.is_file():
            entry.unlink()
        else:
            shutil.rmtree(entry)


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _env_ttl() -> float:
    raw = os.environ.get(ENV_LEASE_TTL)
    if not raw:
        return DEFAULT_LEASE_TTL_S
    try:
        ttl = float(raw)
    except ValueError:
        raise RunError(f"{ENV_LEASE_TTL}={raw!r} is not a number of seconds") from None
    if ttl <= 0:
        raise RunError(f"{ENV_LEASE_TTL}={raw!r} must be positive")
    return ttl


def _remote_error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError
        types.append(BotoCoreError)
    except ImportError:
        pass
    return tuple(types)


@contextmanager
def _remote_errors(url: str, doing: str) -> Iterator[None]:
    """Storage that cannot be reached or refuses us ends the run with one line, not a traceback."""
    try:
        yield
    except _remote_error_types() as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise RunError(f"{doing} {url}: {text}") from None


__all__ = ["DEFAULT_LEASE_TTL_S", "ENV_CACHE", "ENV_LEASE_TTL", "GenerationStore", "Lease", "LeaseRecord",
           "cache_folder", "download_state", "is_remote", "open_state", "remote_filesystem", "state_files",
           "upload_state"]
