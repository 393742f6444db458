"""The bare stack: the same response bytes as Boussole, from a plain Starlette app under the same
uvicorn settings, to tell what the service itself costs (``bench/run.py`` starts it).

``BENCH_BARE_MANIFEST`` names a JSON file mapping each ``path?query`` to the file holding the body
Boussole answered, its media type and its ETag; a request with a matching ``If-None-Match`` gets a
304, as Boussole answers it.
"""

import argparse
import json
import os
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _load() -> dict[str, tuple[bytes, str, str]]:
    manifest_file = os.environ.get("BENCH_BARE_MANIFEST")
    if not manifest_file:
        return {}
    manifest: dict[str, dict[str, Any]] = json.loads(Path(manifest_file).read_text())
    return {
        target: (Path(entry["file"]).read_bytes(), entry["media_type"], entry["etag"])
        for target, entry in manifest.items()
    }


RESPONSES = _load()


async def serve(request: Request) -> Response:
    query = request.url.query
    target = request.url.path + (f"?{query}" if query else "")
    found = RESPONSES.get(target)
    if found is None:
        return Response(status_code=404)
    body, media_type, etag = found
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"etag": etag})
    return Response(body, media_type=media_type, headers={"etag": etag})


app = Starlette(routes=[Route("/{path:path}", serve, methods=["GET"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The settings of `boussole serve`: no access log, no logging config of uvicorn's own.
    uvicorn.run(
        "bench.bare:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
