"""Text normalisation shared by storage and queries, so that search is accent-insensitive."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: ``"Équité"`` → ``"equite"``,
    ``"Œuvre"`` → ``"oeuvre"``."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
