"""`boussole dump FILE` / `boussole restore FILE`: the whole database in one versioned JSON file.

A database is tracked through the API (directorates, tokens, an action updated, progress reports,
milestones, a sub-action, a move, an archive, a closed campaign and its snapshot, an open one with
a report pending validation), dumped, restored into an empty migrated database, and both then
answer every public GET (and the pending report's) with the same bytes. Refusals leave the target
untouched: a file changed after it was written (its SHA-256), a file not signed with
BOUSSOLE_DUMP_KEY when it is set (its HMAC), a value its column cannot take (one line each, never a
secret).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from app.cli import app as cli_app
from app.core import migrations
from app.core.config import get_settings
from app.core.db import make_engine
from app.core.security import hash_token
from app.tooling import backup
from tests.conftest import DEV_ACTION, ENV_ACTION, ENV_FLAGSHIP, Tokens, auth, make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import snapshot

ACTION = ENV_ACTION  # led by ENV in `keys`
OTHER_ACTION = DEV_ACTION  # led by DEV in `keys`
FLAGSHIP = ENV_FLAGSHIP  # led by ENV in `keys`
INDICATOR = "IND-AUTONOMIE-ENERGETIQUE"  # led by ENV in `keys`

runner = CliRunner()


def cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str, key: str | None = None) -> Result:
    """Run `boussole ARGS` against the database at ``url``, with BOUSSOLE_DUMP_KEY ``key``."""
    monkeypatch.setenv("BOUSSOLE_DATABASE_URL", url)
    if key is None:
        monkeypatch.delenv("BOUSSOLE_DUMP_KEY", raising=False)
    else:
        monkeypatch.setenv("BOUSSOLE_DUMP_KEY", key)
    get_settings.cache_clear()
    try:
        return runner.invoke(cli_app, list(args))
    finally:
        get_settings.cache_clear()


@dataclass
class Tracked:
    url: str
    admin: str
    env: str  # editor of ENV, which leads ACTION, FLAGSHIP and the energy indicator
    dev: str  # editor of DEV, which leads OTHER_ACTION
    revoked: str
    milestone_ids: list[int]
    sub_action: str
    new_action: str


def _ok(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), response.text
    return dict(response.json()) if response.content else {}


@pytest.fixture
def tracked(db_url: str, keys: Tokens) -> Tracked:
    """The seeded plan with a year of tracking written through the API."""
    admin, env_token = auth(keys.admin), auth(keys.env)

    with make_client(db_url) as client:
        etag = client.get(f"/api/v1/actions/{ACTION}").headers["ETag"]
        _ok(
            client.patch(
                f"/api/v1/actions/{ACTION}",
                json={
                    "status": "in_progress",
                    "priority": "high",
                    "planned_start": "2024-01-01",
                    "planned_end": "2030-12-31",
                    "description": "Schéma directeur des énergies renouvelables — « 50 % »",
                    "objectives": "Autonomie énergétique\nsur le territoire",
                    "contributing_directorates": ["DEV"],
                    "partners": ["ADEME", "Région Hauts-de-France"],
                    "communes": ["59172", "59526"],
                    "values": ["V5", "V2"],
                },
                headers={**env_token, "If-Match": etag},
            )
        )
        # The campaign of 2024: the editor's report validated, then frozen by the close.
        campaign = {"year": 2024, "deadline": "2025-03-31", "message": "Bilan 2024 « urgent »"}
        _ok(client.post("/api/v1/campaigns", json=campaign, headers=admin), 201)
        report = f"/api/v1/actions/{ACTION}/progress"
        first = {"progress": 12.5, "comment": "Études lancées", "budget_planned_investment": 0.1}
        _ok(client.put(f"{report}/2024", json=first, headers=env_token), 202)
        _ok(client.post(f"{report}/2024/pending/validate", headers=admin))
        _ok(client.post("/api/v1/campaigns/2024/close", headers=admin))
        # The campaign of 2025, open: a report published by an admin, then the editor's draft.
        _ok(client.post("/api/v1/campaigns", json=campaign | {"year": 2025}, headers=admin), 201)
        for body in (
            {"progress": 30, "status": "delayed", "budget_spent_operating": 1234.56},
            {"progress": 100 / 3, "budget_planned_operating": 0.1 + 0.2},  # replaced
        ):
            _ok(client.put(f"{report}/2025", json=body, headers=admin), 200, 201)
        milestone_ids = [
            _ok(
                client.post(
                    f"/api/v1/actions/{ACTION}/milestones",
                    json={"title": title, "planned_on": planned},
                    headers=env_token,
                ),
                201,
            )["id"]
            for title, planned in (
                ("Étude de potentiel", "2025-06-30"),
                ("Appel d'offres", None),
                ("Brouillon", "2026-01-15"),
            )
        ]
        _ok(
            client.patch(
                f"/api/v1/milestones/{milestone_ids[0]}",
                json={"done": True, "achieved_on": "2025-06-20"},
                headers=env_token,
            )
        )
        _ok(client.delete(f"/api/v1/milestones/{milestone_ids.pop()}", headers=env_token), 204)
        _ok(
            client.patch(
                f"/api/v1/flagship-projects/{FLAGSHIP}",
                json={"priority": "medium", "actions": [ACTION, OTHER_ACTION], "weight": 2.5},
                headers=admin,
            )
        )
        response = client.put(
            f"/api/v1/flagship-projects/{FLAGSHIP}/progress/2024",
            json={"progress": 5},
            headers=admin,
        )
        _ok(response, 201)
        # A draft with milestones (one changed, one new) and an indicator value (JSON columns).
        draft = {
            "progress": 45.5,
            "status": "in_progress",
            "comment": "Brouillon — « 2025 »",
            "milestones": [
                {"id": milestone_ids[0], "title": "Étude rendue", "done": True},
                {"title": "Chantier", "planned_on": "2026-09-30"},
            ],
            "indicator_values": {INDICATOR: 13.25},
        }
        _ok(client.put(f"{report}/2025/pending", json=draft, headers=env_token), 201)
        _ok(
            client.post(
                "/api/v1/directorates", json={"code": "CULT", "name": "Culture"}, headers=admin
            ),
            201,
        )
        sub_action = _ok(
            client.post(
                "/api/v1/actions",
                json={"parent": ACTION, "title": "Cadastre solaire"},
                headers=admin,
            ),
            201,
        )["code"]
        new_action = _ok(
            client.post(
                "/api/v1/actions",
                json={"axis": "E2.3", "title": "Réseau de chaleur"},
                headers=admin,
            ),
            201,
        )["code"]
        # An older action becomes a sub-action of a newer one: the child's id is the smaller.
        _ok(client.patch("/api/v1/actions/E2.3.1", json={"parent": new_action}, headers=admin))
        _ok(client.patch("/api/v1/actions/E1.1.2", json={"archived": True}, headers=admin))
        _ok(
            client.patch(
                f"/api/v1/indicators/{INDICATOR}",
                json={"baseline": {"year": 2022, "value": 10}},
                headers=admin,
            )
        )
        for year, value, commune in ((2024, 11.0, None), (2025, 12.75, None), (2025, 4.2, "59172")):
            response = client.put(
                f"/api/v1/indicators/{INDICATOR}/values/{year}",
                params={"commune": commune} if commune else {},
                json={"value": value, "status": "provisional", "source": "ORE"},
                headers=env_token,
            )
            _ok(response, 201)
    return Tracked(
        url=db_url,
        admin=keys.admin,
        env=keys.env,
        dev=keys.dev,
        revoked=keys.revoked,
        milestone_ids=milestone_ids,
        sub_action=sub_action,
        new_action=new_action,
    )


def public_paths(tracked: Tracked) -> list[str]:
    paths = [
        "/api/v1/plan",
        "/api/v1/tree",
        "/api/v1/engagements",
        "/api/v1/engagements/E2",
        "/api/v1/axes/E2.3",
        "/api/v1/axes/E1.1",
        "/api/v1/actions?limit=200",
        "/api/v1/actions?limit=200&include_archived=true",
        "/api/v1/actions?directorate=ENV&limit=200",
        "/api/v1/actions?value=V5&limit=200",
        "/api/v1/actions?q=energie&limit=200",
        "/api/v1/flagship-projects?limit=200",
        f"/api/v1/flagship-projects/{FLAGSHIP}",
        "/api/v1/directorates?limit=200",
        "/api/v1/directorates/ENV",
        "/api/v1/partners?limit=200",
        "/api/v1/communes?limit=200",
        "/api/v1/communes/59172",
        "/api/v1/indicators?limit=200",
        f"/api/v1/indicators/{INDICATOR}",
        "/api/v1/dashboard/summary",
        "/api/v1/dashboard/directorates",
        "/api/v1/dashboard/communes",
        "/api/v1/dashboard/reporting?year=2025",
        "/api/v1/changes",
        "/api/v1/campaigns",
        "/api/v1/campaigns/2025",
        "/api/v1/campaigns/2024/snapshot",
        "/api/v1/campaigns/2024/snapshot.csv",
    ]
    for base in (
        f"/api/v1/actions/{code}"
        for code in (ACTION, OTHER_ACTION, "E1.1.2", "E2.3.1", tracked.sub_action)
    ):
        paths += [base, f"{base}/progress", f"{base}/milestones", f"{base}/history"]
    base = f"/api/v1/flagship-projects/{FLAGSHIP}"
    paths += [f"{base}/progress", f"{base}/progress/2024", f"{base}/milestones", f"{base}/history"]
    paths += [f"/api/v1/actions/{ACTION}/progress/{year}" for year in (2024, 2025)]
    paths += [f"/api/v1/milestones/{mid}" for mid in tracked.milestone_ids]
    return paths


PENDING_PATHS = [
    f"/api/v1/actions/{ACTION}/progress/2025/pending",
    "/api/v1/pending-reports?limit=200",
]


def read_all(url: str, paths: list[str], headers: dict[str, str]) -> dict[str, tuple[int, bytes]]:
    with make_client(url) as client:
        answers = {}
        for path in paths:
            response = client.get(path, headers=headers)
            answers[path] = (response.status_code, response.content)
            if "ETag" in response.headers:
                answers[f"{path} ETag"] = (0, response.headers["ETag"].encode())
        return answers


def rows_of(document: dict[str, Any]) -> dict[str, list[str]]:
    """Each table's rows, in a canonical order (a restore may move a row before its parent)."""
    return {
        name: sorted(json.dumps(row) for row in table["rows"])
        for name, table in document["tables"].items()
    }


def test_round_trip_serves_the_same_bodies_and_keeps_the_tokens(
    tracked: Tracked, empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = public_paths(tracked)
    anonymous = read_all(tracked.url, paths, {})
    as_admin = read_all(tracked.url, paths, auth(tracked.admin))
    assert all(status == 200 for status, _ in anonymous.values() if status), anonymous
    # The reports pending validation, which only their directorate and admins read.
    pending = read_all(tracked.url, PENDING_PATHS, auth(tracked.env))
    assert all(status == 200 for status, _ in pending.values() if status), pending
    assert b"Brouillon" in pending[PENDING_PATHS[0]][1]

    file = tmp_path / "boussole.json"
    dumped = cli(monkeypatch, tracked.url, "dump", str(file))
    assert dumped.exit_code == 0, dumped.output
    assert "Dumped" in dumped.output
    text = file.read_text(encoding="utf-8")
    document = json.loads(text)
    assert (document["format"], document["version"]) == ("boussole-dump", 2)
    # The last line holds the SHA-256 of every byte before it (`head -n -1 FILE | sha256sum`).
    covered, last_line = file.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)
    assert last_line.startswith(b'"integrity": ')
    assert document["integrity"] == {
        "sha256": hashlib.sha256(covered + b"\n").hexdigest(),
        "hmac_sha256": None,
    }
    assert document["schema_revision"] == migrations.head_revision()
    assert set(document["tables"]) >= {"trackable", "progress_report", "audit_entry", "api_token"}
    # Tokens' hashes are in the file, the tokens themselves are not (they are stored nowhere).
    for token in (tracked.admin, tracked.env, tracked.revoked):
        assert hash_token(token) in text
        assert token not in text
    assert document["tables"]["audit_entry"]["rows"], "the audit trail is dumped"

    restored = cli(monkeypatch, empty_db_url, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output

    assert read_all(empty_db_url, paths, {}) == anonymous
    assert read_all(empty_db_url, paths, auth(tracked.admin)) == as_admin
    assert read_all(empty_db_url, PENDING_PATHS, auth(tracked.env)) == pending
    # Row for row, the restored database dumps to the same tables.
    again = tmp_path / "again.json"
    assert cli(monkeypatch, empty_db_url, "dump", str(again)).exit_code == 0
    assert rows_of(json.loads(again.read_text(encoding="utf-8"))) == rows_of(document)

    with make_client(empty_db_url) as client:
        action = client.get(f"/api/v1/actions/{ACTION}")
        # The tokens still authenticate, with their scope; the revoked one stays revoked.
        refused = client.patch(
            f"/api/v1/actions/{ACTION}", json={"status": "blocked"}, headers=auth(tracked.dev)
        )
        assert refused.status_code == 403
        for headers in ({}, auth(tracked.revoked)):
            response = client.patch(
                f"/api/v1/actions/{ACTION}", json={"status": "blocked"}, headers=headers
            )
            assert response.status_code == 401
        written = client.patch(
            f"/api/v1/actions/{ACTION}",
            json={"status": "completed"},
            headers={**auth(tracked.env), "If-Match": action.headers["ETag"]},
        )
        assert written.status_code == 200, written.text
        assert written.json()["version"] == action.json()["version"] + 1


def test_new_rows_after_a_restore_get_fresh_ids(
    tracked: Tracked, empty_db_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "dump.json"
    source, target = make_engine(tracked.url), make_engine(empty_db_url)
    inserts: list[str] = []

    def count_inserts(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    sa.event.listen(target, "before_cursor_execute", count_inserts)
    try:
        counts = backup.dump(engine=source, path=file)
        assert backup.restore(engine=target, path=file) == counts
        # Bulk inserts: one executemany per non-empty table, not one statement per row.
        assert len(inserts) == len([n for n in counts.values() if n]) < sum(counts.values())
    finally:
        source.dispose()
        target.dispose()
    admin, env = auth(tracked.admin), auth(tracked.env)
    with make_client(empty_db_url) as client:
        history = client.get(f"/api/v1/actions/{ACTION}/history").json()["total"]
        milestone = client.post(
            f"/api/v1/actions/{ACTION}/milestones", json={"title": "Mise en service"}, headers=env
        )
        assert milestone.status_code == 201, milestone.text
        assert milestone.json()["id"] > max(tracked.milestone_ids)
        report = client.put(
            f"/api/v1/actions/{ACTION}/progress/2026", json={"progress": 45}, headers=admin
        )
        assert report.status_code == 201, report.text
        # A new pending report, beside the restored one (its id is a fresh one).
        filed = client.put(
            f"/api/v1/flagship-projects/{FLAGSHIP}/progress/2025", json={"progress": 9}, headers=env
        )
        assert filed.status_code == 202, filed.text
        assert len(client.get("/api/v1/pending-reports", headers=admin).json()["items"]) == 2
        action = client.post(
            "/api/v1/actions", json={"axis": "E2.3", "title": "Méthanisation"}, headers=admin
        )
        assert action.status_code == 201, action.text
        directorate = client.post(
            "/api/v1/directorates",
            json={"code": "RH", "name": "Ressources humaines"},
            headers=admin,
        )
        assert directorate.status_code == 201, directorate.text
        partners = client.patch(
            f"/api/v1/actions/{ACTION}", json={"partners": ["Enedis"]}, headers=env
        )
        assert partners.status_code == 200, partners.text
        assert client.get(f"/api/v1/actions/{ACTION}/history").json()["total"] == history + 3
        partners_page = client.get("/api/v1/partners", params={"q": "enedis"}).json()
        assert [p["name"] for p in partners_page["items"]] == ["Enedis"]
        assert action.json()["code"] not in (tracked.new_action, tracked.sub_action)


# --- Refusals -----------------------------------------------------------------------------------


@pytest.fixture
def dump_file(tracked: Tracked, tmp_path: Path) -> Path:
    file = tmp_path / "dump.json"
    engine = make_engine(tracked.url)
    try:
        backup.dump(engine=engine, path=file)
    finally:
        engine.dispose()
    return file


def signed(document: dict[str, Any], file: Path, key: str | None = None) -> Path:
    """Write ``document`` as a dump whose SHA-256 (and HMAC with ``key``) match its content, as
    someone who edited a dump and recomputed them would."""
    content = {name: value for name, value in document.items() if name != "integrity"}
    covered = (json.dumps(content, ensure_ascii=False)[:-1] + ",\n").encode("utf-8")
    integrity = {
        "sha256": hashlib.sha256(covered).hexdigest(),
        "hmac_sha256": None
        if key is None
        else hmac.new(key.encode(), covered, hashlib.sha256).hexdigest(),
    }
    file.write_bytes(covered + b'"integrity": ' + json.dumps(integrity).encode() + b"}\n")
    return file


def edited(dump_file: Path, change: Any, key: str | None = None) -> Path:
    """A copy of the dump changed by ``change`` (on the parsed document), checksum recomputed."""
    document = json.loads(dump_file.read_text(encoding="utf-8"))
    change(document)
    return signed(document, dump_file.with_name("edited.json"), key)


def assert_empty(url: str) -> None:
    """No row in any table but those the migrations fill."""
    rows = snapshot(url)
    assert not [name for name, content in rows.items() if content and name not in {"revision"}], (
        "the target database was written"
    )


def refuse(
    monkeypatch: pytest.MonkeyPatch, url: str, file: Path, *expected: str, key: str | None = None
) -> str:
    """`boussole restore FILE` into ``url`` exits 1 with a message and writes nothing; returns
    the output, on one line."""
    engine = make_engine(url)
    try:
        migrated = migrations.current_revision(engine) is not None
    finally:
        engine.dispose()
    before = snapshot(url) if migrated else None
    result = cli(monkeypatch, url, "restore", str(file), key=key)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "Traceback" not in result.output
    assert "Restore refused, nothing written" in result.output
    message = " ".join(result.output.split())
    for words in expected:
        assert words in message, message
    if migrated:
        assert snapshot(url) == before
    else:  # still not migrated: no table was made
        engine = make_engine(url)
        try:
            assert migrations.current_revision(engine) is None
            with engine.connect() as connection:
                assert sa.inspect(connection).get_table_names() in ([], ["alembic_version"])
        finally:
            engine.dispose()
    return message


def test_refuses_a_database_that_is_not_empty(
    tracked: Tracked, dump_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, tracked.url, dump_file, "database is not empty", "trackable")
    with make_client(tracked.url) as client:  # the tracked database works as before
        # One status: the latest report (2025, "delayed") set the action's status.
        assert client.get(f"/api/v1/actions/{ACTION}").json()["status"] == "delayed"


def test_refuses_unknown_formats_and_garbage(
    dump_file: Path, empty_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def set_key(key: str, value: Any) -> Any:
        return lambda document: document.__setitem__(key, value)

    refuse(monkeypatch, empty_db_url, edited(dump_file, set_key("version", 3)), "format version 3")
    # Version 1 had no integrity check: refused, saying so.
    version_1 = json.loads(dump_file.read_text(encoding="utf-8"))
    version_1.pop("integrity")
    version_1["version"] = 1
    old = tmp_path / "version-1.json"
    old.write_text(json.dumps(version_1), encoding="utf-8")
    refuse(monkeypatch, empty_db_url, old, "format version 1, which carries no integrity check")
    # Rewritten by another tool (same content, another layout): the trailer is no longer last.
    reindented = tmp_path / "reindented.json"
    reindented.write_text(json.dumps(json.loads(dump_file.read_text())), encoding="utf-8")
    refuse(monkeypatch, empty_db_url, reindented, "no integrity trailer as its last line")
    # Something slipped after the trailer, where the checksum does not reach.
    smuggled = tmp_path / "smuggled.json"
    smuggled.write_bytes(dump_file.read_bytes().rstrip()[:-1] + b', "tables": {}}\n')
    refuse(monkeypatch, empty_db_url, smuggled, "its last line is not the integrity trailer")
    not_hex = tmp_path / "not-hex.json"
    content = dump_file.read_bytes()
    start = content.rindex(b'"sha256": "') + len(b'"sha256": "')
    not_hex.write_bytes(content[:start] + "é".encode() + content[start + 1 :])
    refuse(monkeypatch, empty_db_url, not_hex, "its last line is not the integrity trailer")
    refuse(monkeypatch, empty_db_url, tmp_path, "cannot be read")
    refuse(
        monkeypatch, empty_db_url, edited(dump_file, set_key("format", "pg_dump")), "not a Boussole"
    )
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xffnot json at all")
    refuse(monkeypatch, empty_db_url, garbage, "not a Boussole dump")
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(dump_file.read_bytes()[: dump_file.stat().st_size // 2])
    refuse(monkeypatch, empty_db_url, truncated, "not valid JSON")
    refuse(monkeypatch, empty_db_url, tmp_path / "missing.json", "no such file")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2, 3]")
    refuse(monkeypatch, empty_db_url, listed, "not a Boussole dump")


def test_refuses_another_schema_revision(
    dump_file: Path,
    empty_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
) -> None:
    older = edited(dump_file, lambda document: document.__setitem__("schema_revision", "0001"))
    refuse(monkeypatch, empty_db_url, older, "made at schema revision 0001")
    # A database the migrations never ran on: told to run them first; dumping it is refused too.
    bare = databases.clone(empty_template)
    try:
        migrations.downgrade(bare, "base")
        refuse(monkeypatch, bare, dump_file, "revision none", "boussole db upgrade")
        dumped = cli(monkeypatch, bare, "dump", str(dump_file.with_name("bare.json")))
        assert dumped.exit_code == 1
        assert "boussole db upgrade" in " ".join(dumped.output.split())
        assert not dump_file.with_name("bare.json").exists()
    finally:
        databases.drop(bare)


def test_refuses_bad_rows_and_writes_nothing(
    dump_file: Path, empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def orphan_milestone(document: dict[str, Any]) -> None:
        table = document["tables"]["milestone"]
        row = list(table["rows"][0])
        row[table["columns"].index("id")] = 999_999
        row[table["columns"].index("trackable_id")] = 999_999
        table["rows"].append(row)

    # Every table before "milestone" is inserted, then the transaction is rolled back.
    refuse(monkeypatch, empty_db_url, edited(dump_file, orphan_milestone), "table milestone")

    def bad_date(document: dict[str, Any]) -> None:
        table = document["tables"]["chronology_step"]
        table["rows"][2][table["columns"].index("starts_on")] = "le 3 mars"

    refuse(
        monkeypatch,
        empty_db_url,
        edited(dump_file, bad_date),
        "table chronology_step, row 3, column starts_on",
    )

    def drop_column(document: dict[str, Any]) -> None:
        document["tables"]["commune"]["columns"].pop()

    refuse(monkeypatch, empty_db_url, edited(dump_file, drop_column), "table commune")
    refuse(
        monkeypatch,
        empty_db_url,
        edited(dump_file, lambda document: document["tables"].pop("api_token")),
        "missing table(s) api_token",
    )


# --- Integrity --------------------------------------------------------------------------------


def without_audit_entries(text: str, count: int) -> str:
    """The dump with ``count`` rows of the audit trail cut out, still well-formed JSON and with
    its integrity trailer untouched: the edit of someone who covers their tracks by hand."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith('"audit_entry": '))
    rows = start + 1
    assert lines[rows + count].startswith("["), "the audit trail has too few rows to cut"
    return "\n".join(lines[:rows] + lines[rows + count :])


def test_refuses_a_dump_changed_after_it_was_written(
    tracked: Tracked,
    dump_file: Path,
    empty_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # More of a history than the fixture writes, so that 50 entries can go.
    with make_client(tracked.url) as client:
        for number in range(50):
            response = client.post(
                f"/api/v1/actions/{ACTION}/milestones",
                json={"title": f"Jalon {number}"},
                headers=auth(tracked.env),
            )
            _ok(response, 201)
    engine = make_engine(tracked.url)
    try:
        backup.dump(engine=engine, path=dump_file)
    finally:
        engine.dispose()
    original = dump_file.read_bytes()
    text = original.decode("utf-8")

    # A token's hash replaced by the hash of a token the intruder knows.
    swapped = hash_token(tracked.revoked)
    assert swapped in text
    tampered = {"hash": text.replace(swapped, hash_token("boussole_my-own-token")).encode()}
    # 50 entries of the audit trail deleted, the JSON kept well-formed.
    tampered["audit"] = without_audit_entries(text, 50).encode()
    # One byte of a progress report's comment.
    comment = "Études lancées".encode()
    assert original.count(comment) >= 1
    tampered["comment"] = original.replace(comment, comment.replace(b"lanc", b"lanC"), 1)
    for name, content in tampered.items():
        assert content != original
        json.loads(content)  # well-formed: only the checksum tells
        file = tmp_path / f"tampered-{name}.json"
        file.write_bytes(content)
        refuse(monkeypatch, empty_db_url, file, "fails its integrity check", "SHA-256")
        assert_empty(empty_db_url)
    # The untouched file restores.
    assert cli(monkeypatch, empty_db_url, "restore", str(dump_file)).exit_code == 0


def test_dump_key_signs_and_restore_checks_the_signature(
    tracked: Tracked,
    empty_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
) -> None:
    key, other_key = "correct horse battery staple", "another key entirely"
    signed_file, unsigned_file = tmp_path / "signed.json", tmp_path / "unsigned.json"
    dumped = cli(monkeypatch, tracked.url, "dump", str(signed_file), key=key)
    assert dumped.exit_code == 0, dumped.output
    assert "signed with BOUSSOLE_DUMP_KEY" in " ".join(dumped.output.split())
    assert cli(monkeypatch, tracked.url, "dump", str(unsigned_file)).exit_code == 0
    assert key not in signed_file.read_text(encoding="utf-8")
    # The HMAC covers the same bytes as the SHA-256: `head -n -1 FILE | openssl dgst -hmac KEY`.
    data = signed_file.read_bytes()
    covered = data[: data.rstrip(b"\n").rindex(b"\n") + 1]
    document = json.loads(data)
    assert document["integrity"]["hmac_sha256"] == (
        hmac.new(key.encode(), covered, hashlib.sha256).hexdigest()
    )

    # With the key set: a dump without an HMAC, one signed with another key, and one changed
    # whose SHA-256 was recomputed (the HMAC cannot be without the key) are all refused.
    refuse(monkeypatch, empty_db_url, unsigned_file, "carries no HMAC", key=key)
    refuse(monkeypatch, empty_db_url, signed_file, "fails its authenticity check", key=other_key)

    def promote(document: dict[str, Any]) -> None:
        table = document["tables"]["api_token"]
        role = table["columns"].index("role")
        for row in table["rows"]:
            row[role] = "admin"

    forged = edited(signed_file, promote)
    forged_document = json.loads(forged.read_text(encoding="utf-8"))
    forged_document["integrity"]["hmac_sha256"] = document["integrity"]["hmac_sha256"]
    forged_text = forged.read_text(encoding="utf-8")
    forged.write_text(
        forged_text[: forged_text.rindex('\n"integrity": ') + 1]
        + '"integrity": '
        + json.dumps(forged_document["integrity"])
        + "}\n",
        encoding="utf-8",
    )
    refuse(monkeypatch, empty_db_url, forged, "fails its authenticity check", key=key)
    # Re-signed with another key: refused too.
    refuse(
        monkeypatch,
        empty_db_url,
        edited(signed_file, promote, key=other_key),
        "fails its authenticity check",
        key=key,
    )
    assert_empty(empty_db_url)

    restored = cli(monkeypatch, empty_db_url, "restore", str(signed_file), key=key)
    assert restored.exit_code == 0, restored.output
    assert "Note:" not in restored.output

    # Without the key, a signed dump restores after its checksum alone, and the output says so.
    other = databases.clone(empty_template)
    try:
        restored = cli(monkeypatch, other, "restore", str(signed_file))
        assert restored.exit_code == 0, restored.output
        assert "BOUSSOLE_DUMP_KEY is not set" in " ".join(restored.output.split())
    finally:
        databases.drop(other)


def test_refuses_an_empty_dump_key(
    tracked: Tracked, dump_file: Path, empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumped = cli(monkeypatch, tracked.url, "dump", str(dump_file.with_name("k.json")), key="")
    assert dumped.exit_code == 1
    assert "BOUSSOLE_DUMP_KEY is set but empty" in dumped.output
    refuse(monkeypatch, empty_db_url, dump_file, "BOUSSOLE_DUMP_KEY is set but empty", key="")


# --- Values checked against their columns -----------------------------------------------------


def set_value(document: dict[str, Any], table: str, row: int, column: str, value: Any) -> int:
    """Set a value of the dump; returns the row's number as a message names it (from 1)."""
    content = document["tables"][table]
    content["rows"][row][content["columns"].index(column)] = value
    return row + 1


def test_refuses_values_their_columns_cannot_take_one_line_each(
    tracked: Tracked, dump_file: Path, empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(dump_file.read_text(encoding="utf-8"))
    tables = document["tables"]
    progress = tables["progress_report"]
    report = next(
        index
        for index, row in enumerate(progress["rows"])
        if row[progress["columns"].index("comment")] == "Études lancées"
    )
    tokens = tables["api_token"]
    hashes = [row[tokens["columns"].index("token_hash")] for row in tokens["rows"]]
    nul = "a\x00b"  # PostgreSQL cannot store it
    too_far = ("progress", 120)
    assert hash_token(tracked.admin) in hashes
    expected = [
        f"table trackable, row {set_value(document, 'trackable', 3, 'status', 'finished')}, "
        'column status: "finished" is not one of the column\'s values (planned, in_progress,',
        f"table progress_report, row {set_value(document, 'progress_report', report, *too_far)}"
        ", column progress: 120 breaks the check ck_progress_report_progress_range "
        "(progress >= 0 AND progress <= 100)",
        f"table milestone, row {set_value(document, 'milestone', 0, 'title', None)}, column title: "
        "null, but the column requires a value (NOT NULL)",
        f"table directorate, row {set_value(document, 'directorate', 0, 'name', 'x' * 301)}, "
        "column name: a text of 301 characters, longer than the 300 the column holds",
        f"table trackable, row {set_value(document, 'trackable', 0, 'weight', 'heavy')}, "
        'column weight: "heavy" is text, not a number',
        f"table milestone, row {set_value(document, 'milestone', 1, 'done', 1)}, column done: 1 is "
        "a number, not true or false",
        f"table milestone, row {set_value(document, 'milestone', 1, 'planned_on', '30/06/2025')},"
        ' column planned_on: "30/06/2025" is not a date (YYYY-MM-DD)',
        f"table audit_entry, row {set_value(document, 'audit_entry', 0, 'trackable_id', 2**40)}, "
        "column trackable_id: 1099511627776 does not fit the column (32-bit integers)",
        f"table milestone, row {set_value(document, 'milestone', 1, 'description', nul)}, "
        'column description: "a\\u0000b" contains a NUL character',
        # A token's row: the faulty role is shown, the row's hash never.
        f"table api_token, row {set_value(document, 'api_token', 0, 'role', 'superadmin')}, "
        'column role: "superadmin" is not one of the column\'s values (admin, editor)',
        # Secret columns: their values are never shown, even when at fault.
        f"table api_token, row {set_value(document, 'api_token', 1, 'token_hash', hashes[1] * 2)}"
        ", column token_hash: a text of 128 characters, longer than the 64 the column holds",
        f"table api_token, row {set_value(document, 'api_token', 2, 'token_hash', 12345)}, "
        "column token_hash: the value (hidden: secret column) is a number, not text",
    ]
    message = refuse(
        monkeypatch,
        empty_db_url,
        signed(document, dump_file.with_name("bad.json")),
        f"the dump holds {len(expected)} value(s) the database cannot take",
        *expected,
    )
    assert_empty(empty_db_url)
    # Nothing of the rows but the faulty values: no token hash, no token, no other column.
    for secret in (*hashes, tracked.admin, tracked.env):
        assert secret not in message
        assert secret[:16] not in message
    assert "Études lancées" not in message
    assert "12345" not in message


def test_lists_a_bounded_number_of_problems(
    dump_file: Path, empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(dump_file.read_text(encoding="utf-8"))
    faulty = 0
    for table, column in (("trackable", "status"), ("audit_entry", "action"), ("commune", "name")):
        content = document["tables"][table]
        for row in content["rows"]:
            row[content["columns"].index(column)] = "?" * 400
            faulty += 1
    assert faulty > backup.MAX_LISTED_PROBLEMS
    bad = signed(document, dump_file.with_name("bad.json"))
    message = refuse(
        monkeypatch,
        empty_db_url,
        bad,
        f"the dump holds {faulty} value(s) the database cannot take (the first 100 are listed)",
        f"… and {faulty - backup.MAX_LISTED_PROBLEMS} more",
    )
    assert message.count("table ") == backup.MAX_LISTED_PROBLEMS
    # The service's own bound can be lowered.
    engine = make_engine(empty_db_url)
    try:
        with pytest.raises(backup.BackupError) as refused:
            backup.restore(engine=engine, path=bad, max_problems=5)
    finally:
        engine.dispose()
    assert len(refused.value.problems) == 6
    assert refused.value.problems[-1] == f"… and {faulty - 5} more"
