"""Canonical form of a story URL, so the same article from two feeds is one repeat.

Two URLs that differ only in scheme/host case, a default port, a fragment,
tracking parameters, parameter order or a trailing slash point at the same
article; :func:`canonical_url` maps them to one string. Path case and the
values of non-tracking parameters are kept: on many sites they matter.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "canonical_url"]

TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mc_", "pk_", "hsa_", "_hs", "vero_", "oly_")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
        "igshid", "mkt_tok", "_ga", "_gl", "ncid", "cmpid", "s_cid", "icid", "ocid", "sr_share", "ref_src", "ref_url",
        "spm", "at_medium", "at_campaign", "wt.mc_id", "__twitter_impression",
    }
)  # fmt: skip

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``.

    Lower-cases scheme and host, drops the default port, userinfo-free hosts
    stay as they are, removes the fragment, tracking parameters (``utm_*``,
    ``fbclid``, ``gclid`` ...) and trailing slashes of the path, and sorts the
    remaining query parameters (stable for repeated keys). A string that does
    not parse as a URL is returned stripped but otherwise unchanged.
    """
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
        port = parts.port
    except ValueError:
        return stripped
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        return stripped
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path.rstrip("/")
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(params, key=lambda kv: kv[0]))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)
