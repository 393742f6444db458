"""The encoding of a CSV file, decided once for the whole file (``decide_encoding``): UTF-8, with
or without a BOM, when every byte of the file is valid UTF-8; otherwise Windows-1252 (what Excel
writes on Windows), but only when the file has no BOM and holds no valid multi-byte UTF-8
sequence — a UTF-8 file with one stray byte is refused, naming the line, rather than read as
Windows-1252 with every "é" turned into "Ã©". A byte Windows-1252 does not define is refused too.
Strict decoding can yield no lone surrogate, so the cells need no check for them."""

import codecs
import re
from typing import IO

from app.models.imports import RowError

#: Bytes read at a time when a CSV file is checked before parsing.
CHUNK = 64 * 1024
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: A character that only a valid multi-byte UTF-8 sequence decodes to: with "surrogateescape",
#: an invalid byte decodes to U+DC80–U+DCFF instead, and ASCII to itself.
_UTF8_NON_ASCII = re.compile(r"[^\x00-\x7f\udc80-\udcff]")


def decide_encoding(file: IO[bytes]) -> str | RowError:
    """The codec the whole file decodes with (``utf-8-sig`` or ``cp1252``), or the problem that
    refuses it, naming the line and byte offset of the first byte that cannot be decoded.

    Reads the file through, in chunks, up to three times (a few milliseconds for 5 MiB); leaves
    it at its start."""
    try:
        file.seek(0)
        head = file.read(len(UTF8_BOM))
        if head.startswith(UTF16_BOMS):
            return RowError(
                line=1,
                column=None,
                message="le fichier est en UTF-16 : enregistrez-le en CSV UTF-8",
            )
        bad_utf8 = _first_invalid(file, "utf-8")
        if bad_utf8 is None:
            return "utf-8-sig"
        if head == UTF8_BOM:
            return _undecodable(
                file,
                bad_utf8,
                "n'est pas de l'UTF-8, alors que le fichier commence par la marque d'ordre des "
                "octets (BOM) de l'UTF-8",
            )
        if _has_utf8_non_ascii(file):
            # Both valid UTF-8 accents and invalid bytes: read as Windows-1252, every accent of
            # the file would be garbled; read as UTF-8, that byte has no meaning.
            return _undecodable(
                file, bad_utf8, "n'est pas de l'UTF-8, alors que le reste du fichier l'est"
            )
        bad_cp1252 = _first_invalid(file, "cp1252")
        if bad_cp1252 is None:
            return "cp1252"
        return _undecodable(file, bad_cp1252, "n'est ni de l'UTF-8 ni du Windows-1252")
    finally:
        file.seek(0)


def _first_invalid(file: IO[bytes], encoding: str) -> int | None:
    """Offset of the first byte of ``file`` that ``encoding`` cannot decode, if one cannot."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0  # of the start of ``chunk`` in the file
    pending = 0  # bytes the decoder keeps from the previous chunk (an unfinished sequence)
    while True:
        chunk = file.read(CHUNK)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # The error's offsets count from the bytes kept from the previous chunk.
            return offset - pending + exc.start
        if not chunk:
            return None
        offset += len(chunk)
        pending = len(decoder.getstate()[0])


def _has_utf8_non_ascii(file: IO[bytes]) -> bool:
    """Whether ``file`` holds at least one valid multi-byte UTF-8 sequence."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    while chunk := file.read(CHUNK):
        if _UTF8_NON_ASCII.search(decoder.decode(chunk)):
            return True
    return bool(_UTF8_NON_ASCII.search(decoder.decode(b"", final=True)))


def _undecodable(file: IO[bytes], offset: int, why: str) -> RowError:
    file.seek(offset)
    byte = file.read(1)
    return RowError(
        line=_line_at(file, offset),
        column=None,
        message=f"l'octet 0x{byte.hex()} (position {offset}) {why} : enregistrez le fichier en "
        "CSV UTF-8",
    )


def _line_at(file: IO[bytes], offset: int) -> int:
    """The line (from 1) of the byte at ``offset``, lines ending as the CSV reader ends them:
    at a line feed, a carriage return and line feed, or a lone carriage return."""
    file.seek(0)
    line = 1
    previous = b""
    remaining = offset
    while remaining > 0 and (chunk := file.read(min(CHUNK, remaining))):
        remaining -= len(chunk)
        line += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if previous == b"\r" and chunk.startswith(b"\n"):
            line -= 1  # a CR LF split between two chunks was counted twice
        previous = chunk[-1:]
    return line
