"""API tokens: generated at random, shown once, stored only as a SHA-256 hash.

A token carries 256 bits of randomness, so a fast hash is enough (no password stretching needed):
looking a token up by its hash compares nothing secret in Python, and the final comparison is
constant-time all the same.
"""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "bsl_"  # noqa: S105  (a marker, not a secret)


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
