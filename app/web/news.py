"""The home page's "Dernières modifications": what changed in the plan's follow-up, told in plain
French ("Bilan 2025 de l'action E1.1.1 publié", "Jalon « … » atteint"), each linked to its page;
the set-up (the seed, the organisation file) is left out (app.audit.changes.get_news)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.audit import changes
from app.models import AuditAction, Status, TrackableKind

#: How many changes the home page tells.
NEWS_COUNT = 10

#: "de l'action E1.1.1", "du projet phare PP5", by kind.
_OF_KIND = {TrackableKind.action: "de l'action", TrackableKind.flagship_project: "du projet phare"}
_KIND_NAME = {TrackableKind.action: "Action", TrackableKind.flagship_project: "Projet phare"}
_DONE_WORD = {AuditAction.create: "publié", AuditAction.update: "mis à jour"}


@dataclass(frozen=True)
class NewsItem:
    """One line of the list: when, what (a sentence), the page it links to and its text."""

    at: datetime
    text: str
    link_text: str | None
    href: str | None


def _milestone_text(before: dict[str, Any], after: dict[str, Any], action: AuditAction) -> str:
    title = (after or before).get("title", "")
    if action == AuditAction.delete:
        return f"Jalon « {title} » retiré"
    if after.get("done") and not before.get("done"):
        return f"Jalon « {title} » atteint"
    if action == AuditAction.create:
        return f"Jalon « {title} » ajouté"
    return f"Jalon « {title} » mis à jour"


def _trackable_text(
    kind: TrackableKind, before: dict[str, Any], after: dict[str, Any], action: AuditAction
) -> str:
    name = _KIND_NAME[kind]
    if action == AuditAction.create:
        return f"{name} ajouté{'e' if kind == TrackableKind.action else ''} au plan"
    if action == AuditAction.delete:
        return f"{name} retiré{'e' if kind == TrackableKind.action else ''} du plan"
    status = after.get("status")
    if status != before.get("status") and status in {s.value for s in Status}:
        feminine = "e" if kind == TrackableKind.action else ""
        return f"{name} passé{feminine} au statut « {Status(status).label} »"
    return f"Fiche {_OF_KIND[kind]} mise à jour"


def _text(news: changes.News) -> str | None:
    """The sentence of ``news``, None for an entry not worth telling."""
    entry, kind = news.entry, news.kind
    before, after = entry.before or {}, entry.after or {}
    year = entry.entity_key.split("/")[1] if "/" in entry.entity_key else ""
    if entry.entity == "progress_report" and kind is not None:
        done = _DONE_WORD.get(entry.action, "retiré")
        return f"Bilan {year} {_OF_KIND[kind]} {news.code} {done}"
    if entry.entity == "milestone" and kind is not None:
        return f"{_milestone_text(before, after, entry.action)} ({_OF_KIND[kind]} {news.code})"
    if entry.entity in ("action", "flagship_project") and kind is not None:
        return _trackable_text(kind, before, after, entry.action)
    if entry.entity == "indicator_value" and news.title is not None:
        said = {AuditAction.create: "publiée", AuditAction.update: "mise à jour"}
        where = " pour une commune" if entry.entity_key.count("/") > 1 else ""
        return f"Valeur {year}{where} de l'indicateur {said.get(entry.action, 'retirée')}"
    if entry.entity == "indicator" and news.title is not None:
        said = {AuditAction.create: "ajouté", AuditAction.update: "mis à jour"}
        return f"Indicateur {said.get(entry.action, 'retiré')}"
    return None


def latest(session: Session, path: Callable[..., str], count: int = NEWS_COUNT) -> list[NewsItem]:
    """The newest ``count`` changes worth telling, newest first; ``path`` builds a page's path
    from its route's name (``request.app.url_path_for``)."""
    items: list[NewsItem] = []
    for news in changes.get_news(session=session, limit=count):
        text = _text(news)
        if text is None:
            continue
        href = link_text = None
        if news.kind is not None and news.code is not None:
            name = "web_action" if news.kind == TrackableKind.action else "web_flagship_project"
            named = news.entry.entity in ("progress_report", "milestone")  # code in the text
            link_text = news.title if named else f"{news.code} {news.title}"
            href = path(name, code=news.code)
        elif news.code is not None:
            href, link_text = path("web_indicator", code=news.code), news.title
        items.append(NewsItem(news.entry.at, text, link_text, href))
    return items
