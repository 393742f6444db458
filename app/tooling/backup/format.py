"""The dump file's format: its header, its integrity trailer (SHA-256 and HMAC-SHA256), written
while the file is written and checked when it is read."""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import SecretStr

from app.tooling.backup.errors import BackupError

FORMAT = "boussole-dump"
VERSION = 2

#: What begins the integrity trailer, the file's last line (after the newline that ends the part
#: it covers).
TRAILER_START = b'\n"integrity": '


def secret_key_bytes(key: SecretStr | None) -> bytes | None:
    if key is None:
        return None
    secret = key.get_secret_value()
    if not secret:
        # An empty key would sign every dump with a key anyone knows.
        raise BackupError("BOUSSOLE_DUMP_KEY is set but empty: set a key, or unset it")
    return secret.encode("utf-8")


class DigestingWriter:
    """Writes text as UTF-8 and digests every byte written (SHA-256, and the HMAC with a key), so
    that the checksum costs no second reading of the file."""

    def __init__(self, out: BinaryIO, key: bytes | None) -> None:
        self._out = out
        self.sha256 = hashlib.sha256()
        self.hmac = None if key is None else hmac.new(key, digestmod=hashlib.sha256)

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        if self.hmac is not None:
            self.hmac.update(data)
        self._out.write(data)

    def trailer(self) -> bytes:
        integrity = {
            "sha256": self.sha256.hexdigest(),
            "hmac_sha256": None if self.hmac is None else self.hmac.hexdigest(),
        }
        return TRAILER_START[1:] + json.dumps(integrity).encode("ascii") + b"}\n"


@dataclass(frozen=True)
class DumpFile:
    """A dump file read and checked as far as it can be without a database."""

    schema_revision: str
    created_at: str
    tables: dict[str, Any]
    #: Whether the file carries an HMAC, and whether it was checked (a key was given).
    signed: bool
    authenticated: bool


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _integrity(path: Path, trailer: bytes) -> dict[str, Any]:
    """The integrity trailer's object; refuses anything but that object closing the document."""
    damaged = BackupError(
        f"{path} is a damaged dump: its last line is not the integrity trailer "
        '(`"integrity": {"sha256": …, "hmac_sha256": …}}`)'
    )
    try:
        text = trailer.decode("utf-8")
        integrity, end = json.JSONDecoder().raw_decode(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise damaged from None
    # Nothing may follow but the document's closing brace: no key slipped past the checksum.
    if text[end:].strip() != "}":
        raise damaged
    if (
        not isinstance(integrity, dict)
        or set(integrity) != {"sha256", "hmac_sha256"}
        or not _is_digest(integrity["sha256"])
        or not (integrity["hmac_sha256"] is None or _is_digest(integrity["hmac_sha256"]))
    ):
        raise damaged
    return integrity


def read(*, path: Path, key: SecretStr | None = None) -> DumpFile:
    """Read a dump file (once) and check its integrity: refuse anything that is not a Boussole
    dump of format version 2 whose SHA-256 matches, and, given a ``key``, whose HMAC-SHA256 with
    that key matches. Version 1 files carry no checksum: they are refused, saying so."""
    key_bytes = secret_key_bytes(key)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except OSError as exc:
        raise BackupError(f"{path} cannot be read ({exc.strerror})") from exc
    # The digests of the part the trailer covers, taken on the bytes as read (no copy made).
    start = data.rfind(TRAILER_START)
    covered = memoryview(data)[: start + 1] if start >= 0 else memoryview(b"")
    sha256 = hashlib.sha256(covered).hexdigest()
    signature = None if key_bytes is None else hmac.new(key_bytes, covered, hashlib.sha256)
    trailer = data[start + len(TRAILER_START) :] if start >= 0 else b""
    covered.release()
    try:
        text = data.decode("utf-8")
        del data  # the text alone is parsed, the bytes need not stay in memory beside it
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # ValueError: also bad UTF-8, and integers of more digits than Python converts.
        raise BackupError(f"{path} is not a Boussole dump: it is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'{path} is not a Boussole dump (no "format": "{FORMAT}")')
    version = document.get("version")
    if version == 1:
        raise BackupError(
            f"{path} is a dump of format version 1, which carries no integrity check: this "
            f"version of Boussole restores only dumps of version {VERSION} (checksummed). "
            "Restore it with the version of Boussole that made it, then dump again"
        )
    if version != VERSION:
        raise BackupError(
            f"{path} is a dump of format version {json.dumps(version)}; "
            f"this version of Boussole reads version {VERSION} only"
        )
    if start < 0:
        raise BackupError(
            f"{path} is a damaged dump: it has no integrity trailer as its last line (was it "
            "rewritten by another tool?)"
        )
    integrity = _integrity(path, trailer)
    if not hmac.compare_digest(sha256, integrity["sha256"]):
        raise BackupError(
            f"{path} fails its integrity check: its content does not match its SHA-256 "
            "checksum (the file was changed or damaged after `boussole dump` wrote it)"
        )
    signed = integrity["hmac_sha256"] is not None
    if signature is not None:
        if not signed:
            raise BackupError(
                f"{path} carries no HMAC, but BOUSSOLE_DUMP_KEY is set: only dumps signed with "
                "that key are restored (it was dumped without the key, or by someone else)"
            )
        if not hmac.compare_digest(signature.hexdigest(), integrity["hmac_sha256"]):
            raise BackupError(
                f"{path} fails its authenticity check: its HMAC does not match "
                "BOUSSOLE_DUMP_KEY (signed with another key, or changed and its checksum "
                "recomputed)"
            )
    revision, created_at, content = (
        document.get(name) for name in ("schema_revision", "created_at", "tables")
    )
    if not isinstance(revision, str) or not isinstance(content, dict):
        raise BackupError(f"{path} is a damaged dump: no schema revision or no tables")
    return DumpFile(
        schema_revision=revision,
        created_at=str(created_at),
        tables=content,
        signed=signed,
        authenticated=signature is not None,
    )
