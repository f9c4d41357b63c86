"""Tokens for restricted channels: HMAC-signed (HS256), expiring JWTs verified with PyJWT.

Public channels need no token. A filter that names a restricted category
(``internal``, ``embargo`` by default) needs a token whose ``categories``
claim lists it (or holds ``"*"``). Claims:

- ``aud``: ``"stoppress-push"`` (a token minted for something else is refused),
- ``exp``: expiry (required), ``iat``/``nbf`` optional, 30 s clock skew allowed,
- ``sub``: who the token is for (logged, never the token itself),
- ``categories``: the restricted categories the holder may subscribe to.

No token or a bad one (signature, expiry, audience) → 4001; a valid token
that does not allow a requested category → 4003.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import jwt

from stoppress.push.refusals import Forbidden, Unauthorised

AUDIENCE = "stoppress-push"
ALGORITHM = "HS256"
LEEWAY_S = 30
MIN_SECRET_BYTES = 32


def issue_token(secret: str, categories: list[str], ttl_s: float, subject: str, now: datetime) -> str:
    """Mint a token allowing ``categories`` for ``ttl_s`` seconds (for editors' tools and tests)."""
    claims = {
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
        "categories": categories,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def authorise(requested: frozenset[str], token: str | None, secret: str | None) -> str | None:
    """Check that ``token`` allows every restricted category in ``requested``; return its subject.

    Raises :class:`Unauthorised` (4001) or :class:`Forbidden` (4003) with the reason.
    """
    if not requested:
        return None
    names = ", ".join(sorted(requested))
    if secret is None:
        raise Unauthorised(f"restricted channel(s) {names} are disabled on this gateway (no token secret set)")
    if not token:
        raise Unauthorised(f"restricted channel(s) {names} need a token (query 'token' or subscribe.token)")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            leeway=LEEWAY_S,
            options={"require": ["exp", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorised("token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthorised(f"token is not valid: {exc}") from None
    allowed = claims.get("categories")
    if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
        raise Unauthorised("token has no 'categories' list")
    if "*" not in allowed:
        missing = requested - {item.lower() for item in allowed}
        if missing:
            raise Forbidden(f"token does not allow restricted channel(s) {', '.join(sorted(missing))}")
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


def token_from(params: Mapping[str, Sequence[str]], authorization: str | None) -> str | None:
    """The token of a request: ``?token=`` (browsers cannot set headers on WebSocket/EventSource)
    or ``Authorization: Bearer``."""
    tokens = params.get("token")
    if tokens:
        return tokens[0]
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None
