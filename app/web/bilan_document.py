"""The yearly bilan as a document: its HTML (the content of the page ``/bilan/{year}``, in a
standalone document with its stylesheet inlined) and its PDF (WeasyPrint, print media).

The page and the document include the same template (``bilan_body.html``); the PDF is the
document's HTML laid out by WeasyPrint, which fetches nothing but the packaged static files (never
the network). What it costs is what it lays out: the template keeps one paragraph per long-list
item (see its header), and ``tests/bilan/test_report_command.py`` times the PDF of a plan a
hundred times the size (under 10 s, issue 18)."""

import logging
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from app import __version__
from app.core.dates import PARIS
from app.models.bilan import Bilan, BilanAxis, BilanEngagement, BilanTrackable
from app.web import format as fr
from app.web.templating import STATIC_DIR, templates

STYLESHEET = STATIC_DIR / "bilan.css"
# WeasyPrint tells each step of each PDF at INFO: not worth the service's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
DOCUMENT_TEMPLATE = "bilan_document.html"
PAGE_TEMPLATE = "bilan.html"
#: The PDF shows each action's report up to this many actions and sub-actions (the plan has
#: 59); beyond, it keeps to the engagements, axes, flagship projects, budgets, indicators and
#: directorates, and says where the actions' reports are (the page, the workbook): WeasyPrint
#: lays out about 1,500 short paragraphs a second, and `boussole report` must finish in 10 s on
#: a plan a hundred times the size (6,800 actions and flagship projects).
PDF_ACTIONS_AT_MOST = 1000


def title(year: int) -> str:
    """The document's title, in the PDF's metadata and on the page."""
    return f"Bilan {year} du Projet de territoire"


@dataclass(frozen=True)
class Group:
    """An axis (or the actions of an engagement outside any axis) and its actions."""

    heading: str
    node: BilanAxis | None
    actions: list[BilanTrackable]


@dataclass(frozen=True)
class Section:
    """An engagement (or the actions outside any engagement) with its groups; a page of its own
    in print."""

    key: str
    heading: str
    node: BilanEngagement | None
    groups: list[Group]


def sections(bilan: Bilan) -> list[Section]:
    """The actions' reports by engagement and axis, in the plan's order (the actions in tree
    order, each sub-action after its action)."""
    by_place: dict[tuple[str | None, str | None], list[BilanTrackable]] = {}
    for action in bilan.actions:
        by_place.setdefault((action.engagement_code, action.axis_code), []).append(action)
    result = []
    for engagement in bilan.engagements:
        groups = [
            Group(
                f"Axe {axis.code} : {axis.title}",
                axis,
                by_place.pop((engagement.code, axis.code), []),
            )
            for axis in engagement.axes
        ]
        direct = by_place.pop((engagement.code, None), [])
        if direct:
            groups.append(Group("Actions rattachées à l'engagement sans axe", None, direct))
        heading = f"Engagement {engagement.code} : {engagement.title}"
        result.append(Section(f"engagement-{engagement.code}", heading, engagement, groups))
    rest = [action for actions in by_place.values() for action in actions]
    if rest:
        group = Group("Actions sans axe ni engagement", None, rest)
        result.append(Section("hors-engagement", "Actions hors engagement", None, [group]))
    return result


def context(bilan: Bilan, *, with_actions: bool = True) -> dict[str, Any]:
    """What ``bilan_body.html`` reads, besides the page's own (``downloads``, ``years``):
    ``with_actions`` false leaves out the actions' reports (the PDF of a very large plan)."""
    frozen = bilan.frozen_at
    if frozen is not None:
        aware = frozen if frozen.tzinfo else frozen.replace(tzinfo=UTC)
        frozen = aware.astimezone(PARIS)
    return {
        "bilan": bilan,
        "sections": sections(bilan) if with_actions else [],
        "frozen_day": fr.day(frozen.date() if frozen is not None else None),
        "with_actions": with_actions,
        "actions_at_most": PDF_ACTIONS_AT_MOST,
        "downloads": None,
        "years": None,
    }


def render_html(bilan: Bilan, *, with_actions: bool = True) -> str:
    """The bilan as a standalone HTML document in French, its stylesheet inlined: everything the
    page shows (``with_actions`` false: without the actions' reports)."""
    return templates.env.get_template(DOCUMENT_TEMPLATE).render(
        context(bilan, with_actions=with_actions),
        title=title(bilan.year),
        version=__version__,
        stylesheet=STYLESHEET.read_text(encoding="utf-8"),
    )


def _static_file(url: str) -> Path | None:
    if not url.startswith("file://"):
        return None
    path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
    root = STATIC_DIR.resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _static_files_only() -> Any:
    """WeasyPrint's fetcher of resources, limited to the packaged static files: anything else
    (another file, any network address) is refused, and the document is laid out without it."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no types
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            path = _static_file(url)
            if path is None:
                raise ValueError(f"Only the packaged static files are read, not {url}")
            return URLFetcherResponse(url, path.read_bytes())

    return StaticFilesOnly()


def render_pdf(bilan: Bilan) -> bytes:
    """The bilan as PDF: the document of ``render_html`` laid out for print (A4, "page X sur
    N" in each page's footer, a page per engagement), titled and in French in its metadata;
    without the actions' reports beyond ``PDF_ACTIONS_AT_MOST`` actions."""
    # Pango and HarfBuzz (Debian's packages) are loaded when a PDF is first asked for.
    from weasyprint import HTML

    with_actions = len(bilan.actions) <= PDF_ACTIONS_AT_MOST
    document = HTML(
        string=render_html(bilan, with_actions=with_actions),
        base_url=STATIC_DIR.resolve().as_uri() + "/",
        url_fetcher=_static_files_only(),
        media_type="print",
    )
    pdf: bytes = document.write_pdf()
    return pdf
