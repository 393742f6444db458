"""Text normalisation shared by storage and queries, so that search is accent-insensitive."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: ``"Équité"`` → ``"equite"``,
    ``"Œuvre"`` → ``"oeuvre"``."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """``E1.2.10`` after ``E1.2.9``; ``PP10`` after ``PP9``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", code) if part
    )
