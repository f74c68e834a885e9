"""Credentials that users put inside endpoint URLs never reach a screen, a log line or a cache file."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
_SECRET_PARAM = re.compile(r"key|token|secret|pass|sig|auth|cred|session", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL with any user:password part and secret-looking query values replaced by `***`.

    A URL that cannot be parsed is hidden whole: printing it raw is the one thing this must not do."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return HIDDEN
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{'[' + host + ']' if ':' in host else host}{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, HIDDEN if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment and HIDDEN))
