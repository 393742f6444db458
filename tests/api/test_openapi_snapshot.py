"""The OpenAPI document is the API's contract: it changes only on purpose. A change of the
document without a change of the committed copy (`tests/api/openapi.json`) fails here; to change
it on purpose, run `BOUSSOLE_UPDATE_OPENAPI=1 .venv/bin/pytest tests/api/test_openapi_snapshot.py`
and commit the copy with the change that explains it."""

import json
import os
from pathlib import Path

from app.core.config import Settings
from app.main import create_app

SNAPSHOT = Path(__file__).parent / "openapi.json"


def test_the_openapi_document_is_the_committed_one(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    document = json.dumps(app.openapi(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("BOUSSOLE_UPDATE_OPENAPI"):
        SNAPSHOT.write_text(document, encoding="utf-8")
    assert document == SNAPSHOT.read_text(encoding="utf-8"), (
        "the OpenAPI document changed: if on purpose, update tests/api/openapi.json "
        "(see the docstring)"
    )
