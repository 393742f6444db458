"""API tokens: generated at random, shown once, stored only as a SHA-256 hash.

A token carries 256 bits of randomness, so a fast hash is enough (no password stretching needed):
looking a token up by its hash compares nothing secret in Python, and the final comparison is
constant-time all the same.
"""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "bsl_"  # noqa: S105  (a marker, not a secret)

#: The cookie of a signed-in browser (app.auth.sessions): a random value, stored only hashed. A
#: request that carries it is never answered from, nor kept in, a shared cache
#: (app.revision.http_cache), and the API ignores it (Bearer tokens only).
SESSION_COOKIE = "boussole_session"
#: The double-submit cookie of the forms shown to anonymous visitors (app.web.signed_in).
CSRF_COOKIE = "boussole_csrf"
_SESSION_COOKIE_NEEDLE = SESSION_COOKIE.encode() + b"="


def carries_session_cookie(cookie_header: bytes) -> bool:
    """Whether a ``Cookie`` header holds the session cookie (whatever its value)."""
    return _SESSION_COOKIE_NEEDLE in cookie_header


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
