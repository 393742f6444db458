"""Versions as ETags, for optimistic concurrency (If-Match)."""

import re

from app.core.errors import BadHeaderError, PreconditionFailedError

#: One entity tag naming a version: ``"3"`` as a write returns it, ``"3.r17t…"`` as a GET returns
#: it (the revision after the dot is ignored), weak (``W/"3"``) or bare (``3``).
_VERSION_TAG = re.compile(
    r'(?:W/)?"(?P<quoted>[0-9]{1,18})(?:\.[\x21\x23-\x7e]*)?"|(?P<bare>[0-9]{1,18})'
)


def version_etag(version: int) -> str:
    return f'"{version}"'


def parse_version_etag(value: str) -> int | None:
    """The version an If-Match header names; None for ``*`` (any version).

    Anything else is a 400 rather than a 412: it is not a version that went stale but a header
    that names none, and saying so helps the client more than "read it again" would. A list of
    tags is refused too: a resource has one version, send that one."""
    value = value.strip()
    if value == "*":
        return None
    match = _VERSION_TAG.fullmatch(value)
    if match is None:
        raise BadHeaderError(
            "If-Match",
            "attendu : « * » ou l'ETag qu'une lecture ou une écriture de la ressource a renvoyé, "
            'par exemple "3"',
        )
    return int(match["quoted"] or match["bare"])


def check_version(entity: str, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailedError(entity, current)
