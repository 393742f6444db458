"""The yearly bilan as a document: its HTML (the content of the page ``/bilan/{year}``, in a
standalone document with its stylesheet inlined) and its PDF (WeasyPrint, print media).

The page and the document include the same template (``bilan_body.html``); the PDF is the
document's HTML laid out by WeasyPrint, which fetches nothing but the packaged static files (never
the network). What it costs is what it lays out: the template keeps one paragraph per long-list
item (see its header), a very large plan's PDF lists its actions and indicators more compactly
(``PDF_ACTIONS_AT_MOST``, ``PDF_INDICATORS_AT_MOST``), Python's cyclic garbage collector waits
while WeasyPrint works (``app.core.runtime.collector_paused``), and
``tests/bilan/test_report_command.py`` times the PDF of a plan a hundred times the size (under
10 s, issue 18)."""

import logging
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from app import __version__
from app.core.dates import PARIS
from app.core.runtime import collector_paused
from app.models.bilan import Bilan, BilanAxis, BilanEngagement, BilanTrackable
from app.web import format as fr
from app.web.templating import STATIC_DIR, templates

STYLESHEET = STATIC_DIR / "bilan.css"
# WeasyPrint tells each step of each PDF at INFO: not worth the service's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
DOCUMENT_TEMPLATE = "bilan_document.html"
PAGE_TEMPLATE = "bilan.html"
#: The PDF shows each action's report up to this many actions and sub-actions (the plan has
#: 59); beyond, it keeps to the engagements (each with its budgets on its line, not in a table
#: of as many rows), axes, flagship projects, budgets, indicators and directorates, and says
#: where the actions' reports are (the page, the workbook): WeasyPrint
#: lays out about 1,500 short paragraphs a second, and `boussole report` must finish in 10 s on
#: a plan a hundred times the size (6,800 actions and flagship projects).
PDF_ACTIONS_AT_MOST = 1000
#: The PDF gives each indicator's trajectory, latest value and target up to this many
#: indicators (the plan has 11); beyond, the indicators' codes by trajectory, and it says where
#: the rest is (the page, the workbook's "Indicateurs" sheet): at scale 100 (1,001 indicators)
#: their lines were a third of the PDF's text and a quarter of its time.
PDF_INDICATORS_AT_MOST = 200


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


def indicators_by_trajectory(bilan: Bilan) -> list[tuple[str, list[str]]]:
    """The indicators' codes by trajectory (its French label), in the vocabulary's order (Cible
    atteinte, En bonne voie…), the trajectories of no indicator left out."""
    by_label: dict[str, list[str]] = {label: [] for label in fr.TRAJECTORY_LABELS.values()}
    for indicator in bilan.indicators:
        by_label[fr.trajectory_label(indicator.trajectory.trajectory)].append(indicator.code)
    return [(label, codes) for label, codes in by_label.items() if codes]


def context(
    bilan: Bilan, *, with_actions: bool = True, with_every_indicator: bool = True
) -> dict[str, Any]:
    """What ``bilan_body.html`` reads, besides the page's own (``downloads``, ``years``):
    ``with_actions`` false leaves out the actions' reports (and gives each engagement's
    budgets on its line, instead of a table), ``with_every_indicator`` false
    lists the indicators' codes by trajectory instead of each one's line (the PDF of a very
    large plan)."""
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
        "engagement_budgets": {}
        if with_actions
        else {line.code: line for line in bilan.budgets.engagements},
        "with_every_indicator": with_every_indicator,
        "indicators_by_trajectory": [] if with_every_indicator else indicators_by_trajectory(bilan),
        "indicators_at_most": PDF_INDICATORS_AT_MOST,
        "downloads": None,
        "years": None,
    }


def render_html(
    bilan: Bilan, *, with_actions: bool = True, with_every_indicator: bool = True
) -> str:
    """The bilan as a standalone HTML document in French, its stylesheet inlined: everything the
    page shows (``with_actions`` false: without the actions' reports; ``with_every_indicator``
    false: the indicators' codes by trajectory only)."""
    return templates.env.get_template(DOCUMENT_TEMPLATE).render(
        context(bilan, with_actions=with_actions, with_every_indicator=with_every_indicator),
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
    without the actions' reports beyond ``PDF_ACTIONS_AT_MOST`` actions, and with the
    indicators' codes by trajectory only beyond ``PDF_INDICATORS_AT_MOST`` indicators."""
    # Pango and HarfBuzz (Debian's packages) are loaded when a PDF is first asked for.
    from weasyprint import HTML

    html = render_html(
        bilan,
        with_actions=len(bilan.actions) <= PDF_ACTIONS_AT_MOST,
        with_every_indicator=len(bilan.indicators) <= PDF_INDICATORS_AT_MOST,
    )
    with collector_paused():
        document = HTML(
            string=html,
            base_url=STATIC_DIR.resolve().as_uri() + "/",
            url_fetcher=_static_files_only(),
            media_type="print",
        )
        pdf: bytes = document.write_pdf()
    return pdf
