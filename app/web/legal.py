"""What the pages a French public body must publish say (accessibility statement, legal notice,
contact), from the settings: their French labels, the installer's Markdown file, and which
settings are still to be filled in (the admin overview lists them)."""

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup

from app.core.config import Settings

#: The RGAA conformity statuses, as the statement and the footer say them.
CONFORMITY_LABELS = {
    "non_conforme": "non conforme",
    "partiellement_conforme": "partiellement conforme",
    "totalement_conforme": "totalement conforme",
}

#: The settings the legal notice and the contact page need, and what each one is (French).
REQUIRED_SETTINGS = {
    "publisher_address": "l'adresse de l'éditeur",
    "publication_director": "le directeur ou la directrice de la publication",
    "hosting_provider": "l'hébergeur",
    "hosting_address": "l'adresse de l'hébergeur",
    "hosting_phone": "le téléphone de l'hébergeur",
    "contact_email": "l'adresse électronique de contact",
    "accessibility_statement_date": "la date de la déclaration d'accessibilité",
}

#: Markdown without raw HTML (js-default): the installer's text can only be text, links, lists.
_MARKDOWN = MarkdownIt("js-default")


def conformity_label(status: str) -> str:
    return CONFORMITY_LABELS[status]


@dataclass(frozen=True)
class Unset:
    """A setting still to be filled in: its variable and what it is."""

    variable: str
    meaning: str


def unset_settings(settings: Settings) -> list[Unset]:
    """The settings of the legal pages the installer has not given yet."""
    return [
        Unset(f"BOUSSOLE_{name.upper()}", meaning)
        for name, meaning in REQUIRED_SETTINGS.items()
        if not getattr(settings, name)
    ]


def not_accessible_text(settings: Settings) -> Markup | None:
    """The installer's description of what is not accessible (``BOUSSOLE_ACCESSIBILITY_FILE``),
    as HTML; None without a file. A file gone since start-up reads as none."""
    if settings.accessibility_file is None:
        return None
    try:
        text = settings.accessibility_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # Headings of the file start below the page's own (h3 and lower).
    html = _MARKDOWN.render(text)
    for level in (4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 2, 6)}>")
        html = html.replace(f"</h{level}>", f"</h{min(level + 2, 6)}>")
    return Markup(html)  # noqa: S704 (markdown-it's js-default escapes raw HTML)
