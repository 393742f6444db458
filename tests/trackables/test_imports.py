"""The import of yearly progress through the API and the command line, as an admin publishes it:
round trip with the export, all or nothing, spreadsheet dialects, scope and limits. (An editor
token's import, filed as pending reports: tests/campaigns/test_spreadsheet_api.py; workbooks:
tests/campaigns/test_spreadsheet_files.py.)"""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.types import Message
from typer.testing import CliRunner

from app import opendata
from app.cli import app as cli_app
from app.core.config import Settings, get_settings
from app.main import create_app
from app.models.imports import RowError
from app.trackables import import_encoding
from app.trackables.import_rows import parse
from tests.campaigns.sheets import open_campaign_on
from tests.conftest import DEV_ACTION, ENV_ACTION, auth
from tests.helpers import cpu_time, problem, snapshot

IMPORT = "/api/v1/progress/import"
HEADER = "trackable_code,year,progress,status,comment\n"


def post_csv(client: TestClient, body: str | bytes, token: str, **params: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(
        IMPORT,
        content=data,
        params=params,
        headers={**auth(token), "Content-Type": "text/csv; charset=utf-8"},
    )


def row_errors(response: Response) -> list[dict[str, Any]]:
    """The rows' problems of a refused import (a 422 problem of type ``import-refused``)."""
    errors: list[dict[str, Any]] = problem(response, 422, "import-refused")["errors"]
    return errors


def test_export_edit_import_round_trip(client, keys):
    for code, year, value in ((ENV_ACTION, 2024, 10), (ENV_ACTION, 2025, 25), ("PP5", 2025, 5)):
        kind = "flagship-projects" if code.startswith("PP") else "actions"
        client.put(
            f"/api/v1/{kind}/{code}/progress/{year}",
            json={"progress": value, "comment": "=Suivi annuel", "budget_spent_operating": 1200.5},
            headers=auth(keys.admin),
        )
    exported = client.get("/api/v1/open-data/progress.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3
    for row in rows:  # edited in a spreadsheet: one value changes
        if row["trackable_code"] == ENV_ACTION and row["year"] == "2025":
            row["progress"] = "40"
            row["comment"] = "Parc solaire mis en service"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    response = post_csv(client, edited.getvalue(), keys.admin)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 3,
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "published": True,
        "errors": [],
    }
    report = client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2025").json()
    assert (report["progress"], report["comment"]) == (40, "Parc solaire mis en service")
    assert report["budget_spent_operating"] == 1200.5
    assert report["version"] == 2
    assert client.get(f"/api/v1/actions/{ENV_ACTION}").json()["progress"] == 40
    again = client.get("/api/v1/open-data/progress.csv").text
    assert "'=Suivi annuel" in again  # made inert for spreadsheets…
    assert post_csv(client, again, keys.admin).json()["unchanged"] == 3  # …and read back as it was
    assert client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2024").json()["comment"] == (
        "=Suivi annuel"
    )


def test_three_bad_rows_are_all_reported_and_nothing_is_written(client, keys, db_url):
    before = snapshot(db_url)
    body = (
        HEADER
        + f"{ENV_ACTION},2025,30,in_progress,ok\n"
        + f"{ENV_ACTION},2026,130,,too much\n"
        + "E9.9.9,2025,10,,unknown code\n"
        + f"{ENV_ACTION},2051,10,finished,bad year and status\n"
        + f"{ENV_ACTION},2027,12,,ok too\n"
    )
    response = post_csv(client, body, keys.admin)
    errors = row_errors(response)
    assert [(e["line"], e["column"]) for e in errors] == [
        (3, "progress"),
        (4, "trackable_code"),
        (5, "year"),
        (5, "status"),
    ]
    assert [e["loc"] for e in errors][:2] == [
        ["file", 3, "progress"],
        ["file", 4, "trackable_code"],
    ]
    assert response.json()["detail"] == "4 problèmes dans le fichier : rien n'a été écrit."
    assert snapshot(db_url) == before


def test_spreadsheet_dialects(client, keys):
    body = (
        "trackable_code;year;progress;status;comment;budget_planned_investment\r\n"
        f"{ENV_ACTION};2025;12,5;En cours;Études lancées;1 250 000,50\r\n"
        f"{ENV_ACTION};2026;20;en retard;;\r\n"
    )
    response = post_csv(client, b"\xef\xbb\xbf" + body.encode("utf-8"), keys.admin)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    report = client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2025").json()
    assert (report["progress"], report["status"]) == (12.5, "in_progress")
    assert report["comment"] == "Études lancées"
    assert report["budget_planned_investment"] == 1250000.5
    assert client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2026").json()["status"] == "delayed"
    # Windows-1252, as Excel writes it on Windows.
    latin = f"{HEADER}{ENV_ACTION},2027,30,,Réalisé à moitié\n".encode("cp1252")
    assert post_csv(client, latin, keys.admin).status_code == 200
    assert (
        client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2027").json()["comment"]
        == "Réalisé à moitié"
    )


def test_dry_run_reports_and_writes_nothing(client, keys, db_url):
    client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2024",
        json={"progress": 5},
        headers=auth(keys.admin),
    )
    before = snapshot(db_url)
    body = HEADER + f"{ENV_ACTION},2024,5,,\n{ENV_ACTION},2025,9,,\n{ENV_ACTION},2024,6,,\n"
    duplicate = post_csv(client, body, keys.admin, dry_run="true")
    (error,) = row_errors(duplicate)
    assert (error["line"], error["detail"]) == (4, f"{ENV_ACTION} 2024 figure déjà ligne 2")
    body = HEADER + f"{ENV_ACTION},2024,7,,\n{ENV_ACTION},2025,9,,\n"
    response = post_csv(client, body, keys.admin, dry_run="true")
    assert response.json() == {
        "dry_run": True,
        "rows": 2,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "published": True,
        "errors": [],
    }
    assert snapshot(db_url) == before


def test_import_is_scoped_and_recorded(client, keys, db_url):
    open_campaign_on(db_url, 2025)
    body = HEADER + f"{ENV_ACTION},2025,10,,\n{DEV_ACTION},2025,10,,\n"
    before = snapshot(db_url)
    assert post_csv(client, body, "bsl_nope").status_code == 401
    assert (
        client.post(IMPORT, content=body, headers={"Content-Type": "text/csv"}).status_code == 401
    )
    refused = post_csv(client, body, keys.env)
    assert DEV_ACTION in problem(refused, 403, "forbidden")["detail"]
    assert snapshot(db_url) == before
    etag = client.get("/api/v1/tree").headers["ETag"]
    accepted = post_csv(client, body, keys.admin)
    assert accepted.json()["created"] == 2
    assert client.get("/api/v1/tree", headers={"If-None-Match": etag}).status_code == 200
    history = client.get(f"/api/v1/actions/{DEV_ACTION}/history", headers=auth(keys.admin)).json()
    assert (history["items"][0]["entity_key"], history["items"][0]["actor"]) == (
        f"{DEV_ACTION}/2025",
        "admin",
    )
    changes = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert [c["code"] for c in changes[-2:]] == [f"{ENV_ACTION}/2025", f"{DEV_ACTION}/2025"]


def test_multipart_upload_and_media_types(client, keys):
    body = (HEADER + f"{ENV_ACTION},2025,10,,\n").encode()
    upload = client.post(
        IMPORT,
        files={"file": ("suivi.csv", body, "application/vnd.ms-excel")},
        headers=auth(keys.admin),
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["created"] == 1
    # A workbook's type is accepted, its content then read: a broken one is refused, 422.
    spreadsheet = client.post(
        IMPORT,
        files={
            "file": (
                "suivi.xlsx",
                b"PK\x03\x04",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        headers=auth(keys.admin),
    )
    (error,) = row_errors(spreadsheet)
    assert (error["type"], error["detail"]) == (
        "invalid-file",
        "ce fichier compressé (ZIP) est illisible ou incomplet : envoyez le tableau en XLSX, en "
        "ODS ou en CSV",
    )
    pdf = client.post(
        IMPORT,
        files={"file": ("bilan.pdf", b"%PDF-1.7\n", "application/pdf")},
        headers=auth(keys.admin),
    )
    assert "ni un CSV, ni un classeur XLSX ou ODS" in problem(pdf, 415)["detail"]
    as_json = client.post(IMPORT, json={"rows": []}, headers=auth(keys.admin))
    assert "text/csv" in problem(as_json, 415, "unsupported-media-type")["detail"]


def test_size_limit(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, import_max_bytes=200))) as small:
        body = HEADER + "".join(f"{ENV_ACTION},{2024 + i % 20},10,,{'x' * 20}\n" for i in range(20))
        response = post_csv(small, body, keys.admin)
        assert response.status_code == 413
        upload = small.post(
            IMPORT, files={"file": ("big.csv", body.encode(), "text/csv")}, headers=auth(keys.admin)
        )
        assert upload.status_code == 413


def test_header_and_garbage(client, keys):
    # "code" and "annee" are the French titles of two columns; the third is missing.
    missing = post_csv(client, "code,annee\nE1.1.1,2025\n", keys.admin)
    (error,) = row_errors(missing)
    assert (error["line"], error["type"]) == (1, "invalid-file")
    assert error["detail"].startswith("la colonne « Avancement (%) » (progress) manque : ")
    renamed = row_errors(post_csv(client, "trackable_code,year,avancement\n", keys.admin))
    assert [e["detail"].split(" : ")[0] for e in renamed] == [
        "la 3e colonne, « avancement », n'est pas une colonne du tableau (renommée ?)",
        "la colonne « Avancement (%) » (progress) manque",
    ]
    assert row_errors(post_csv(client, b"", keys.admin))[0]["detail"] == "le fichier est vide"
    garbage = post_csv(client, b"\x00\xff\xfe\x89PNG\r\n\x1a\n", keys.admin)
    assert row_errors(garbage)[0]["detail"].startswith("ce fichier n'est pas un tableur")
    not_a_header = row_errors(post_csv(client, "%PDF-1.7\n%\xe2\xe3\n", keys.admin))
    assert not_a_header[0]["detail"].startswith(
        "la première ligne n'est pas l'en-tête du tableau des bilans"
    )


def test_cli_import(cli_env, tmp_path, client):
    path = tmp_path / "suivi.csv"
    path.write_text(HEADER + f"{ENV_ACTION},2025,33,,\n", encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(cli_app, ["import-progress", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 reports would be created" in dry.output
    done = runner.invoke(cli_app, ["import-progress", str(path)])
    assert done.exit_code == 0, done.output
    assert client.get(f"/api/v1/actions/{ENV_ACTION}").json()["progress"] == 33
    path.write_text(HEADER + f"{ENV_ACTION},2025,333,,\n", encoding="utf-8")
    refused = runner.invoke(cli_app, ["import-progress", str(path)])
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())
    assert "1 problème dans le fichier : rien n'a été écrit." in output
    assert "ligne 2, colonne progress : « 333 » : attendu un avancement en %, de 0 à 100" in output


# --- Encodings ------------------------------------------------------------------------------------


def test_a_utf8_file_with_one_stray_byte_is_refused_naming_its_line(client, keys, db_url):
    before = snapshot(db_url)
    body = (
        (HEADER + f"{ENV_ACTION},2025,10,,Études lancées\n").encode("utf-8")
        + f"{ENV_ACTION},2026,20,,".encode()
        + "Réalisé\n".encode("cp1252")  # pasted from elsewhere: é is one byte, 0xE9
    )
    response = post_csv(client, body, keys.admin)
    offset = body.index(b"\xe9")
    assert row_errors(response) == [
        {
            "loc": ["file", 3],
            "line": 3,
            "column": None,
            "detail": f"l'octet 0xe9 (position {offset}) n'est pas de l'UTF-8, alors que le reste "
            "du fichier l'est : enregistrez le fichier en CSV UTF-8",
            "type": "invalid-row",
        }
    ]
    assert snapshot(db_url) == before
    # With a BOM, the file says it is UTF-8: one bad byte is refused even with no other accent.
    bom = b"\xef\xbb\xbf" + (HEADER + f"{ENV_ACTION},2025,10,,\n").encode() + b"caf\xe9,2026,1,,\n"
    refused = row_errors(post_csv(client, bom, keys.admin))
    assert (refused[0]["line"], "marque d'ordre des octets" in refused[0]["detail"]) == (3, True)


def test_a_windows_1252_file_is_read_whole_as_windows_1252(client, keys):
    body = (
        "trackable_code;year;progress;status;comment\r\n"
        f"{ENV_ACTION};2025;12,5;Réalisé;Coût : 1 200 € — œuvre « achevée »\r\n"
    ).encode("cp1252")
    response = post_csv(client, body, keys.admin)
    assert response.status_code == 200, response.text
    report = client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2025").json()
    assert (report["status"], report["comment"]) == (
        "completed",
        "Coût : 1 200 € — œuvre « achevée »",
    )
    # 0x81 is defined neither in UTF-8 (alone) nor in Windows-1252.
    undefined = (HEADER + f"{ENV_ACTION},2026,1,,\n").encode() + b"\r\nx\x81,2027,1,,\n"
    errors = row_errors(post_csv(client, undefined, keys.admin))
    assert errors[0]["line"] == 4
    assert "n'est ni de l'UTF-8 ni du Windows-1252" in errors[0]["detail"]
    utf16 = post_csv(client, (HEADER + f"{ENV_ACTION},2026,1,,\n").encode("utf-16"), keys.admin)
    assert (
        row_errors(utf16)[0]["detail"] == "le fichier est en UTF-16 : enregistrez-le en CSV UTF-8"
    )


def test_encoding_checks_across_chunk_boundaries():
    # A character cut in two by the 64 KiB chunks the check reads is still valid UTF-8.
    filler = f"{ENV_ACTION},2025,10,,"
    pad = "x" * (import_encoding.CHUNK - len(HEADER) - len(filler) - 1)
    body = (HEADER + filler + pad + "é\n").encode()
    assert body[import_encoding.CHUNK - 1 : import_encoding.CHUNK + 1] == "é".encode()
    assert import_encoding.decide_encoding(io.BytesIO(body)) == "utf-8-sig"
    # A stray byte just past a boundary, after a CR LF cut in two by it: its offset and line.
    lines = HEADER + f"{ENV_ACTION},2025,10,,é\r\n" * ((import_encoding.CHUNK // 20) + 1)
    head = lines.encode()[: import_encoding.CHUNK - 1]
    head = head[: head.rindex(b"\r\n") + 1]  # ends with CR: its LF opens the next chunk
    body = head + b"\n" + b"x" * (import_encoding.CHUNK - len(head) - 1) + b"\xe9,2026,1,,\n"
    problem = import_encoding.decide_encoding(io.BytesIO(body))
    assert isinstance(problem, RowError)
    assert f"(position {import_encoding.CHUNK})" in problem.message
    assert problem.line == head.count(b"\n") + 2


# --- Malformed cells ------------------------------------------------------------------------------


def test_an_unterminated_quote_is_refused_naming_its_line(client, keys, db_url):
    before = snapshot(db_url)
    body = (
        HEADER
        + f'{ENV_ACTION},2025,10,,"a comment, on two lines\nand closed"\n'
        + f'{ENV_ACTION},2026,10,,"never closed\n'
        + f"{ENV_ACTION},2027,10,,\n"
    )
    response = post_csv(client, body, keys.admin)
    assert [(e["line"], e["column"], e["detail"]) for e in row_errors(response)] == [
        (
            4,
            None,
            "guillemet jamais fermé : une cellule entre guillemets de cette ligne ne finit pas",
        )
    ]
    text_after_quote = post_csv(client, HEADER + f'{ENV_ACTION},2025,10,,"ok"not ok\n', keys.admin)
    (error,) = row_errors(text_after_quote)
    assert (error["line"], error["detail"]) == (
        2,
        "CSV illisible : du texte suit le guillemet qui ferme une cellule",
    )
    assert snapshot(db_url) == before


def test_a_nul_character_is_refused_on_every_database(client, keys, db_url):
    before = snapshot(db_url)
    body = (
        "trackable_code,year,progress,status,comment,reported_at\n"
        f"{ENV_ACTION},2025,10,,a\x00b,\n"
        f"{ENV_ACTION},2026,10,,,ignored\x00column\n"
        f"{ENV_ACTION},2027,10,,\x00,\x00\n"
    )
    response = post_csv(client, body, keys.admin)
    message = "contient un caractère NUL (U+0000), qui ne peut pas être enregistré"
    assert [(e["line"], e["column"], e["detail"]) for e in row_errors(response)] == [
        (2, "comment", message),
        (3, "reported_at", message),
        (4, "comment", message),
    ]
    assert snapshot(db_url) == before


# --- Limits ---------------------------------------------------------------------------------------


def bad_rows(size: int) -> bytes:
    """A file of about ``size`` bytes whose every row has three problems."""
    row = f"{ENV_ACTION},2051,abc,zzz,\n"
    return (HEADER + row * ((size - len(HEADER)) // len(row))).encode()


def test_five_mib_of_bad_rows_are_refused_quickly_listing_the_first_problems(client, keys):
    body = bad_rows(5 * 1024 * 1024)
    with cpu_time() as elapsed:
        response = post_csv(client, body, keys.admin)
    answer = problem(response, 422, "import-refused")
    assert len(answer["errors"]) == 1000  # BOUSSOLE_IMPORT_MAX_PROBLEMS
    assert answer["truncated"] is True
    assert answer["detail"] == (
        "Plus de 1000 problèmes (les 1000 premiers listés) dans le fichier : rien n'a été écrit."
    )
    # The first 1,000 in the order of the file: three per row, from row 2 to row 335.
    assert [(e["line"], e["column"]) for e in answer["errors"][:4]] == [
        (2, "year"),
        (2, "progress"),
        (2, "status"),
        (3, "year"),
    ]
    assert answer["errors"][-1]["line"] == 335
    assert elapsed.seconds < 2.0  # 6 to 8 s when every problem was listed (25 MB of answer)


def test_problems_are_listed_up_to_the_limit(db_url, keys):
    settings = Settings(database_url=db_url, import_max_problems=3)
    with TestClient(create_app(settings)) as small:
        exactly = problem(post_csv(small, HEADER + "E9.9.9,2025,1,,\n" * 3, keys.admin), 422)
        assert (len(exactly["errors"]), exactly["truncated"]) == (3, False)
        assert exactly["detail"] == "3 problèmes dans le fichier : rien n'a été écrit."
        # Unknown codes count as they are read, like any other problem.
        more = problem(post_csv(small, HEADER + "E9.9.9,2025,1,,\n" * 4, keys.admin), 422)
        assert (len(more["errors"]), more["truncated"]) == (3, True)
        assert more["errors"][0]["detail"] == "action ou projet phare inconnu : « E9.9.9 »"


def test_an_upload_stops_being_read_at_the_size_limit(db_url, keys):
    limit = 100_000
    chunk = b"x" * 8192
    with TestClient(create_app(Settings(database_url=db_url, import_max_bytes=limit))) as small:
        status, read = send_in_chunks(small, "text/csv", [chunk] * 100, keys.admin)
        assert status == 413
        assert read <= limit + len(chunk)
        boundary = "b0undary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        status, read = send_in_chunks(
            small, f"multipart/form-data; boundary={boundary}", [head] + [chunk] * 100, keys.admin
        )
        assert status == 413
        assert read <= limit + len(head) + len(chunk)


def test_a_file_of_exactly_the_size_limit_is_accepted(db_url, keys):
    row = f"{ENV_ACTION},2025,10,,"
    body = (HEADER + row + "x" * (200 - len(HEADER) - len(row) - 1) + "\n").encode()
    assert len(body) == 200
    with TestClient(create_app(Settings(database_url=db_url, import_max_bytes=200))) as small:
        assert post_csv(small, body, keys.admin).status_code == 200
        upload = small.post(
            IMPORT, files={"file": ("suivi.csv", body, "text/csv")}, headers=auth(keys.admin)
        )
        assert upload.json()["unchanged"] == 1
        over = small.post(
            IMPORT, files={"file": ("suivi.csv", body + b"x", "text/csv")}, headers=auth(keys.admin)
        )
        assert over.status_code == 413


def test_malformed_forms(client, keys):
    body = (HEADER + f"{ENV_ACTION},2025,10,,\n").encode()
    with_other_fields = client.post(
        IMPORT,
        data={"note": "ignored"},
        files={"file": ("suivi.csv", body, "text/csv")},
        headers=auth(keys.admin),
    )
    assert with_other_fields.json()["created"] == 1
    two_files = client.post(
        IMPORT,
        files=[("file", ("a.csv", body, "text/csv")), ("file", ("b.csv", body, "text/csv"))],
        headers=auth(keys.admin),
    )
    assert two_files.status_code == 400
    not_a_file = client.post(IMPORT, data={"file": body.decode()}, headers=auth(keys.admin))
    assert not_a_file.status_code == 415
    no_boundary = client.post(
        IMPORT, content=body, headers={**auth(keys.admin), "Content-Type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400


def send_in_chunks(
    client: TestClient, content_type: str, chunks: list[bytes], token: str
) -> tuple[int, int]:
    """POST a body in chunks, with no Content-Length, straight to the app (TestClient would
    send it whole): the answer's status, and how many bytes the app read before answering."""
    read = 0
    status = 0

    async def call() -> None:
        pending = list(chunks)

        async def receive() -> Message:
            nonlocal read
            if not pending:
                return {"type": "http.disconnect"}
            chunk = pending.pop(0)
            read += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": IMPORT,
            "raw_path": IMPORT.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", content_type.encode()),
            ],
            "client": ("testclient", 50000),
            "server": ("testserver", 80),
            "state": dict(client.app_state),
        }
        await client.app(scope, receive, send)

    assert client.portal is not None  # inside `with TestClient(...)`
    client.portal.call(call)
    return status, read


# --- Formulas ------------------------------------------------------------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(comment=st.text(alphabet="'=+-@\t\r\n \";,aé", max_size=6))
@example(comment="=1+1")
@example(comment="'=1+1")
@example(comment="''=1+1")
@example(comment="'hello")
@example(comment="'")
@example(comment="-5")
@example(comment=" @x ")
def test_any_comment_round_trips_through_export_and_import(client, keys, comment):
    path = f"/api/v1/actions/{ENV_ACTION}/progress/2025"
    put = client.put(path, json={"progress": 10, "comment": comment}, headers=auth(keys.admin))
    assert put.status_code in (200, 201), put.text
    exported = client.get("/api/v1/open-data/progress.csv").content
    cells = next(csv.DictReader(io.StringIO(exported.decode(), newline="")))
    if comment.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert cells["comment"] == "'" + comment  # inert in a spreadsheet
    else:
        assert cells["comment"] == comment
    response = post_csv(client, exported, keys.admin)
    assert response.json()["unchanged"] == 1, response.text
    assert client.get(path).json()["comment"] == comment


def test_the_export_marks_and_the_import_unmarks_the_same_cells():
    for text, exported in (
        ("=1+1", "'=1+1"),
        ("'=1+1", "''=1+1"),
        ("'''@x", "''''@x"),
        ("'hello", "'hello"),
        ("'", "'"),
        ("a=b", "a=b"),
        ("\tx", "'\tx"),
    ):
        assert opendata.neutralise(text) == exported
        assert parse((HEADER + f'{ENV_ACTION},2025,1,,"{exported}"\n').encode()).rows[
            0
        ].comment == (text)


def test_cli_import_says_when_it_stopped_reading(cli_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BOUSSOLE_IMPORT_MAX_PROBLEMS", "2")
    get_settings.cache_clear()
    path = tmp_path / "suivi.csv"
    path.write_bytes(bad_rows(10_000))
    refused = CliRunner().invoke(cli_app, ["import-progress", str(path)])
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())  # as wrapped to the terminal's width
    assert "Plus de 2 problèmes (les 2 premiers listés)" in output
    assert "ligne 2, colonne progress : « abc » n'est pas un nombre" in output
    assert "l'import a cessé de lire après 2 problèmes" in output
