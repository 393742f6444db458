"""The yearly bilan's page and PDF (app.web.bilan_routes, app.web.bilan_document) on the demo data
with the campaign of 2024 closed and 2025's open: what the page says (frozen or provisional, every
engagement, axis, flagship project, indicator, directorate and comment, the API's budgets), the
French 404 of a year without bilan, the PDF read back by poppler (its pages, its text, its
metadata), kept per revision (laid out once for a crowd), its fetcher refusing anything but the
packaged files, and a number of queries that does not grow with the plan."""

import gc
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.bilan.bilan import last_year
from app.core import runtime
from app.models import Trackable
from app.models.bilan import Bilan
from app.models.indicators import Trajectory
from app.web import bilan_document
from app.web import format as fr
from app.web.templating import STATIC_DIR
from tests import factories
from tests.bilan.demo import demo_database
from tests.conftest import count_queries, make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import run_or_fail

CLOSED, OPEN = 2024, 2025


@pytest.fixture(scope="session")
def poppler() -> None:
    """pdfinfo and pdftotext (Debian's poppler-utils), installed with apt-get when missing."""
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        run_or_fail(["apt-get", "update", "-qq"], "apt-get update, to install poppler-utils")
        run_or_fail(["apt-get", "install", "-y", "-qq", "poppler-utils"], "apt-get install")
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.fail("pdfinfo and pdftotext still missing after apt-get install", pytrace=False)


@pytest.fixture(scope="module")
def demo_url(databases: SqliteDatabases | PostgresDatabases, empty_template: str) -> Iterator[str]:
    """The demo at scale 1, the campaign of 2024 closed and 2025's open (never written)."""
    yield from demo_database(databases, empty_template, 1)


@pytest.fixture(scope="module")
def demo(demo_url: str) -> Iterator[TestClient]:
    with make_client(demo_url) as client:
        yield client


def api_bilan(client: TestClient, year: int) -> Bilan:
    """The bilan of ``year`` as the API gives it, which the page and the PDF must show."""
    return Bilan.model_validate(client.get(f"/api/v1/bilan/{year}").raise_for_status().json())


def text_of(html: str) -> str:
    """What a reader reads: the tags dropped, entities decoded, white space collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return squeeze(unescape(without_tags))


def squeeze(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").split())


def page_text(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return text_of(response.text)


def pdf_info(path: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in done.stdout.splitlines())
    )


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return squeeze(done.stdout)


def pdf_catalog_language(content: bytes) -> str | None:
    """The /Lang of the PDF's catalog, looked for in its objects as written and in its
    compressed object streams."""
    chunks = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, flags=re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    for chunk in chunks:
        found = re.search(rb"/Lang\s*\(([^)]*)\)", chunk)
        if found:
            return found.group(1).decode()
    return None


def assert_every_engagement_and_axis(text: str, bilan: Bilan, engagement: str, axis: str) -> None:
    """Each engagement and each axis of ``bilan`` in ``text``, written as ``engagement`` and
    ``axis`` say (``"Axe {code} : {title}"``)."""
    for node in bilan.engagements:
        assert engagement.format(code=node.code, title=node.title) in text
        for child in node.axes:
            assert axis.format(code=child.code, title=child.title) in text


# --- The page ------------------------------------------------------------------------------------


def test_the_bilan_of_a_closed_campaign_says_when_it_was_frozen(demo: TestClient) -> None:
    bilan = api_bilan(demo, CLOSED)
    assert bilan.provisional is False and bilan.frozen_at is not None
    text = page_text(demo, f"/bilan/{CLOSED}")
    assert f"Bilan {CLOSED} {bilan.plan.title}" in text
    assert "Bilan arrêté à la clôture de la campagne le " in text
    assert "provisoire" not in text
    # The plan's progress, the year before and the change in points.
    plan = bilan.plan
    assert (
        f"Avancement : {squeeze(fr.percent(plan.progress))} en {CLOSED}, "
        f"{squeeze(fr.percent(plan.previous_progress))} en {CLOSED - 1}"
    ) in text
    # Status counts, in a table with its total.
    for status, count in fr.status_items(plan.status_counts):
        assert f"{status.label} {count}" in text
    assert f"Total {sum(plan.status_counts.values())}" in text
    # Every engagement, every axis (with its progress and change), every flagship project.
    assert_every_engagement_and_axis(
        text, bilan, "Engagement {code} : {title}", "Axe {code} : {title}"
    )
    changes = [squeeze(fr.points(a.change)) for e in bilan.engagements for a in e.axes]
    assert all(change in text for change in changes)
    assert len(bilan.flagship_projects) == 9
    for project in bilan.flagship_projects:
        assert f"{project.code} {project.title} — " in text
        assert project.comment and project.comment in text
    # Every action's report, its comment included.
    for action in bilan.actions:
        assert f"{action.code} {action.title} — " in text
        assert action.comment in text
    # Every indicator and its trajectory in words.
    for indicator in bilan.indicators:
        label = fr.trajectory_label(indicator.trajectory.trajectory)
        assert f"{indicator.code} {indicator.name} — {label}" in text
    # Which directorates reported.
    for directorate in bilan.directorates:
        assert f"{directorate.name} {directorate.expected} {directorate.reported}" in text
    # The budgets: the API's totals, by engagement and by directorate.
    total = bilan.budgets.total
    euros = squeeze(fr.quantity(total.planned, "€")) + " " + squeeze(fr.quantity(total.spent, "€"))
    assert text.count(f"Total du plan {euros}") == 2
    for line in bilan.budgets.engagements:
        assert f"{line.code} {line.title} {squeeze(fr.quantity(line.planned, '€'))}" in text


def test_the_page_links_the_pdf_the_workbook_and_the_other_years(demo: TestClient) -> None:
    html = demo.get(f"/bilan/{CLOSED}").text
    assert f'href="/bilan/{CLOSED}.pdf"' in html
    assert f'href="/api/v1/bilan/{CLOSED}.xlsx"' in html
    assert demo.get(f"/api/v1/bilan/{CLOSED}.xlsx").status_code == 200
    for year in range(2024, last_year() + 1):
        assert f'href="/bilan/{year}"' in html
    # The year shown is the current one of the years' navigation, and of the site's.
    assert f'<a href="/bilan/{CLOSED}" aria-current="page">' in html
    assert '<a href="/bilan" aria-current="page">Bilan annuel</a>' in html
    # Its print stylesheet, and every table captioned with headed columns and rows.
    assert 'href="/static/bilan.css"' in html
    assert html.count("<table") == html.count("<caption>") == 4
    assert html.count('<div class="table-wrap" role="region"') == 4
    assert "<td" not in re.sub(r"<table.*?</table>", "", html, flags=re.S)


def test_the_bilan_of_an_open_campaign_is_provisional(demo: TestClient) -> None:
    assert api_bilan(demo, OPEN).provisional is True
    text = page_text(demo, f"/bilan/{OPEN}")
    assert f"Bilan provisoire. La campagne de bilans {OPEN} est ouverte" in text
    assert "Bilan arrêté" not in text


def test_a_year_without_campaign_is_provisional(demo: TestClient) -> None:
    text = page_text(demo, f"/bilan/{last_year()}")
    assert f"Bilan provisoire. Aucune campagne de bilans {last_year()} n'a été close" in text


def test_bilan_goes_to_the_latest_closed_campaign(demo: TestClient, client: TestClient) -> None:
    response = demo.get("/bilan", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == f"/bilan/{CLOSED}"
    # With no campaign at all: the year before this one.
    response = client.get("/bilan", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"/bilan/{max(2024, last_year() - 1)}"


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_a_year_without_bilan_is_the_french_404_page(demo: TestClient, suffix: str) -> None:
    for year in (2023, 2045, last_year() + 1, 99999):
        response = demo.get(f"/bilan/{year}{suffix}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        text = text_of(response.text)
        assert "Page introuvable" in text and f"Aucun bilan pour {year}" in text
    response = demo.get(f"/bilan/deux-mille{suffix}")
    assert response.status_code == 422 and "Paramètres invalides" in text_of(response.text)


def test_the_home_page_and_every_page_link_the_bilan(demo: TestClient) -> None:
    for path in ("/", "/actions", "/budgets"):
        assert 'href="/bilan">Bilan annuel</a>' in demo.get(path).text
    assert 'href="/bilan">Le bilan annuel</a>' in demo.get("/").text


# --- The PDF -------------------------------------------------------------------------------------


def test_the_pdf_holds_every_engagement_and_flagship_project(
    demo: TestClient, tmp_path: Path, poppler: None
) -> None:
    from weasyprint import HTML

    response = demo.get(f"/bilan/{CLOSED}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="bilan-{CLOSED}.pdf"'
    path = tmp_path / "bilan.pdf"
    path.write_bytes(response.content)
    bilan = api_bilan(demo, CLOSED)

    info = pdf_info(path)
    assert info["Title"] == f"Bilan {CLOSED} du Projet de territoire"
    assert info["Page size"].endswith("(A4)")
    assert pdf_catalog_language(response.content) == "fr"
    # As many pages as WeasyPrint lays out for the same document; each engagement starts one.
    laid_out = HTML(string=bilan_document.render_html(bilan), media_type="print").render()
    pages = int(info["Pages"])
    assert pages == len(laid_out.pages)
    assert pages >= len(bilan.engagements) + 1
    text = pdf_text(path)
    for engagement in bilan.engagements:
        assert f"Engagement {engagement.code} : {engagement.title}" in text
    for project in bilan.flagship_projects:
        assert f"{project.code} {project.title}" in text
    for action in bilan.actions:
        assert f"{action.code} {action.title}" in text
    assert f"page 1 sur {pages}" in text and f"page {pages} sur {pages}" in text
    # Print: no link or download list, nor the site's navigation.
    assert "Télécharger" not in text and "Autres années" not in text


def large_plan_pdf(
    demo: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str
) -> tuple[Bilan, str]:
    """The closed bilan and its PDF's text, ``bilan_document.<limit>`` set one under what the
    demo has (its actions or its indicators): the PDF of a very large plan."""
    bilan = api_bilan(demo, CLOSED)
    count = {
        "PDF_ACTIONS_AT_MOST": len(bilan.actions),
        "PDF_INDICATORS_AT_MOST": len(bilan.indicators),
    }
    monkeypatch.setattr(bilan_document, limit, count[limit] - 1)
    path = tmp_path / "large.pdf"
    path.write_bytes(bilan_document.render_pdf(bilan))
    return bilan, pdf_text(path)


def test_the_pdf_of_a_very_large_plan_leaves_out_the_actions_reports(
    demo: TestClient, tmp_path: Path, poppler: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bilan, text = large_plan_pdf(demo, tmp_path, monkeypatch, "PDF_ACTIONS_AT_MOST")
    assert f"Le bilan de chacune des {len(bilan.actions)} actions et sous-actions" in text
    assert f"/api/v1/bilan/{CLOSED}.xlsx" in text
    assert_every_engagement_and_axis(text, bilan, "{code} {title} — ", "Axe {code} : {title} — ")
    for project in bilan.flagship_projects:
        assert f"{project.code} {project.title} — " in text
    assert not any(f"{action.code} {action.title} — " in text for action in bilan.actions)
    # Each engagement's budgets on its line rather than in a table; the directorates' table stays.
    for line in bilan.budgets.engagements:
        planned, spent = (squeeze(fr.quantity(v, "€")) for v in (line.planned, line.spent))
        start = re.escape(f"{line.code} {line.title} — ")
        said = re.escape(f"; budgets {CLOSED} : {planned} prévus, {spent} dépensés.")
        assert re.search(f"{start}[^;]*{said}", squeeze(text)), (start, said)
    assert f"Budgets {CLOSED} par direction pilote" in text
    assert f"Budgets {CLOSED} par engagement" not in text


def test_the_pdf_of_a_plan_of_many_indicators_gives_their_codes_by_trajectory(
    demo: TestClient, tmp_path: Path, poppler: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bilan, text = large_plan_pdf(demo, tmp_path, monkeypatch, "PDF_INDICATORS_AT_MOST")

    def squeezed(line: str) -> str:
        """Without spaces nor hyphens: the long lists of codes wrap anywhere, after a hyphen
        too, and pdftotext joins a word cut at a line's end."""
        return "".join(line.split()).replace("-", "")

    flat = squeezed(text)

    said = f"La trajectoire de chacun des {len(bilan.indicators)} indicateurs"
    assert squeezed(said) in flat
    assert squeezed(f"/api/v1/bilan/{CLOSED}.xlsx, feuille « Indicateurs »") in flat
    # Every code once, after its trajectory, in the vocabulary's order; no indicator's own line.
    groups = {
        trajectory.label: [
            i.code for i in bilan.indicators if i.trajectory.trajectory == trajectory
        ]
        for trajectory in Trajectory
    }
    lines = [
        f"{label} ({len(codes)}) : {', '.join(codes)}." for label, codes in groups.items() if codes
    ]
    assert len(lines) >= 2
    positions = [flat.index(squeezed(line)) for line in lines]
    assert positions == sorted(positions)
    assert not any(squeezed(f"{i.code} {i.name} — ") in flat for i in bilan.indicators)
    # Engagements, axes, flagship projects and actions are all still there.
    for action in bilan.actions:
        assert squeezed(f"{action.code} {action.title} — ") in flat


def test_the_garbage_collector_waits_for_the_pdf(
    demo: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paused while WeasyPrint lays out and writes; resumed once the last PDF being made is
    done (another one made meanwhile does not resume it); left paused if it was."""
    import weasyprint

    bilan = api_bilan(demo, OPEN)
    seen: list[bool] = []
    write_pdf = weasyprint.HTML.write_pdf

    def watched(document: weasyprint.HTML) -> bytes:
        seen.append(gc.isenabled())
        with runtime.collector_paused():  # a PDF made meanwhile, in another thread
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        pdf: bytes = write_pdf(document)
        return pdf

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", watched)
    assert gc.isenabled()
    assert bilan_document.render_pdf(bilan).startswith(b"%PDF-")
    assert seen == [False, False, False] and gc.isenabled()
    gc.disable()
    try:
        bilan_document.render_pdf(bilan)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_pdf_is_laid_out_once_per_revision(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    render = bilan_document.render_pdf

    def counted(bilan: Bilan) -> bytes:
        made.append(bilan.year)
        return render(bilan)

    monkeypatch.setattr(bilan_document, "render_pdf", counted)
    with make_client(demo_url) as client:
        first = client.get(f"/bilan/{OPEN}.pdf")
        second = client.get(f"/bilan/{OPEN}.pdf")
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and made == [OPEN]
        # A published report is a new revision: the next request lays it out again.
        with factories.session_on(demo_url) as session:
            action = session.exec(select(Trackable).where(col(Trackable.kind) == "action")).first()
            assert action is not None
            factories.report(session, trackable=action, year=OPEN, progress=99.0)
            session.commit()
        third = client.get(f"/bilan/{OPEN}.pdf")
        assert third.status_code == 200 and made == [OPEN, OPEN]


def test_the_pdf_fetches_nothing_but_the_packaged_files() -> None:
    fetcher = bilan_document._static_files_only()
    stylesheet = fetcher.fetch((STATIC_DIR / "bilan.css").resolve().as_uri())
    assert stylesheet.read() == (STATIC_DIR / "bilan.css").read_bytes()
    for url in (
        "http://127.0.0.1:9/style.css",
        "https://example.org/font.woff2",
        "file:///etc/passwd",
        (STATIC_DIR / ".." / "templating.py").resolve().as_uri(),
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError, match="Only the packaged static files"):
            fetcher.fetch(url)


# --- Queries ------------------------------------------------------------------------------------


def test_the_queries_do_not_grow_with_the_plan(demo_url: str, db_url: str) -> None:
    counts: dict[str, list[int]] = {}
    for url in (db_url, demo_url):  # the plan as adopted, then the demo with its reports
        with make_client(url) as client:
            for path in (f"/bilan/{CLOSED}", f"/bilan/{CLOSED}.pdf"):
                counts.setdefault(path, []).append(count_queries(client, path))
    for path, (small, large) in counts.items():
        assert small == large, (path, counts)


def test_points_are_french() -> None:
    assert fr.points(3.24) == "+3,2\u202fpts"
    assert fr.points(-1.0) == "\u22121\u202fpt"
    assert fr.points(0.04) == "0\u202fpt"
    assert fr.points(None) == fr.NOT_KNOWN
