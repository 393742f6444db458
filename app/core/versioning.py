"""Versions as ETags, for optimistic concurrency (If-Match)."""

from app.core.errors import PreconditionFailedError


def version_etag(version: int) -> str:
    return f'"{version}"'


def parse_version_etag(value: str) -> int | None:
    """The version an If-Match header names (``"3"``, ``"3.r17"`` as GET returns it, ``W/"3"``
    or ``3``); None for ``*``. Anything else can match no version, so it fails as a stale one
    would."""
    value = value.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"').split(".", 1)[0]
    if not value.isdigit():
        raise PreconditionFailedError("the resource", None)
    return int(value)


def check_version(entity: str, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailedError(entity, current)
