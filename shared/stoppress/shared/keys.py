"""API keys (sources' keys for ingest, editors' keys for the desk): how they are made and stored (hashed).

Keys are long random secrets, so one unsalted SHA-256 is enough to store
them (a password needs a slow hash because people choose guessable ones; a
32-byte random key cannot be guessed). Logs name a key by the first
characters of its hash only.

``python -m stoppress.shared.keys`` prints a new key and the hash to put in
the sources file (or the editors file).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Annotated

from pydantic import AfterValidator

HASH_PREFIX = "sha256:"
KEY_HASH_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")


def check_key_hash(value: str) -> str:
    """A stored key: ``sha256:`` and 64 lowercase hex digits."""
    if not KEY_HASH_PATTERN.match(value):
        raise ValueError("must be 'sha256:' and 64 lowercase hex digits (see python -m stoppress.shared.keys)")
    return value


KeyHash = Annotated[str, AfterValidator(check_key_hash)]
"""A configuration field holding a key's hash (:func:`hash_key`), never the key."""


def hash_key(key: str) -> str:
    """The stored form of an API key: ``sha256:`` and the hex digest of its UTF-8 bytes."""
    return HASH_PREFIX + hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh API key: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def key_label(key_hash: str) -> str:
    """A short, non-secret name of a key for logs: ``sha256:1a2b3c4d``."""
    return key_hash[: len(HASH_PREFIX) + 8]


def main() -> None:
    """Print a new key and its hash (give the key to its owner, put the hash in the sources or editors file)."""
    key = new_key()
    print(f"key:  {key}\nhash: {hash_key(key)}")


if __name__ == "__main__":
    main()
