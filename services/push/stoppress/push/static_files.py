"""Serving the page, widget and dashboard files from the ``static`` folder.

Routes: ``/`` → ``index.html``, ``/widget/ticker.js`` → ``ticker.js``,
``/dashboard`` → ``dashboard.html``, ``/static/<name>`` → that file. Every
answer carries a strong ETag (``If-None-Match`` gets 304); HTML is
revalidated on every load, the widget is cached 5 minutes (news sites embed
it; a fix must reach them the same day), other assets one hour. Text assets
are gzipped once per file version when the client accepts gzip.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

ALIASES = {"/": "index.html", "/widget/ticker.js": "ticker.js", "/dashboard": "dashboard.html"}
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")
TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}


@dataclass(frozen=True)
class StaticAnswer:
    """What to send for a static request: status, headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class _Cached:
    mtime_ns: int
    size: int
    body: bytes
    gzipped: bytes | None
    etag: str


class StaticFiles:
    """Answers GETs for the static folder, caching each file's bytes and gzip per version."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[Path, _Cached] = {}

    def resolve(self, path: str) -> Path | None:
        """The file a request path names, or ``None`` (unknown route, traversal attempt, missing file)."""
        name = ALIASES.get(path)
        if name is None:
            if not path.startswith("/static/"):
                return None
            name = path[len("/static/"):]
        candidate = (self.root / name).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def answer(self, file: Path, request_path: str, accept_encoding: str, if_none_match: str | None) -> StaticAnswer:
        """The response for ``file``, honouring gzip and ``If-None-Match``."""
        cached = self._load(file)
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if request_path == "/widget/ticker.js":
            cache_control = "public, max-age=300"
        elif file.suffix == ".html":
            cache_control = "no-cache"
        else:
            cache_control = "public, max-age=3600"
        headers = [("Content-Type", content_type), ("Cache-Control", cache_control), ("ETag", cached.etag),
                   ("Vary", "Accept-Encoding"), ("X-Content-Type-Options", "nosniff")]
        if if_none_match is not None and cached.etag in {tag.strip() for tag in if_none_match.split(",")}:
            return StaticAnswer(304, headers, b"")
        if cached.gzipped is not None and "gzip" in accept_encoding.lower():
            return StaticAnswer(200, [*headers, ("Content-Encoding", "gzip")], cached.gzipped)
        return StaticAnswer(200, headers, cached.body)

    def _load(self, file: Path) -> _Cached:
        stat = file.stat()
        cached = self._cache.get(file)
        if cached is not None and cached.mtime_ns == stat.st_mtime_ns and cached.size == stat.st_size:
            return cached
        body = file.read_bytes()
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or ""
        gzipped = gzip.compress(body, 6, mtime=0) if content_type.startswith(COMPRESSIBLE) else None
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        cached = _Cached(stat.st_mtime_ns, stat.st_size, body, gzipped, etag)
        self._cache[file] = cached
        return cached
