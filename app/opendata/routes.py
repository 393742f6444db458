"""Open data: every table as CSV and JSON, a Frictionless Data Package describing them, and the
tree. Licence Ouverte 2.0 (etalab-2.0); see app.opendata for the conventions."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.deps import SessionDep
from app.api.responses import NOT_MODIFIED, READ
from app.opendata import package

router = APIRouter(prefix="/open-data", tags=["open data"])

ResourceName = Annotated[
    str, Path(description="A resource of the package, e.g. trackables, progress, indicators")
]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown resource (the body names it)"}
}


class ResourceLink(BaseModel):
    name: str
    title: str
    description: str
    csv: str = Field(description="URL of the CSV file")
    json_url: str = Field(alias="json", description="URL of the same table as JSON")


class OpenDataIndex(BaseModel):
    title: str
    license: str = Field(description="Licence identifier: etalab-2.0 (Licence Ouverte 2.0)")
    license_url: str
    datapackage: str = Field(description="URL of the Frictionless Data Package descriptor")
    tree: str = Field(description="URL of the whole tree as JSON (the same as /tree)")
    resources: list[ResourceLink]


class OpenDataTable(BaseModel):
    resource: str
    license: str
    updated_at: datetime | None = Field(description="The latest change in the data (UTC)")
    items: list[dict[str, Any]] = Field(
        description="One object per row, with the CSV's columns; numbers as numbers, null for empty"
    )


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{filename}"'}


@router.get("", response_model=OpenDataIndex, summary="The open-data files", responses=NOT_MODIFIED)
def read_index(request: Request) -> OpenDataIndex:
    """Every resource with the links to its CSV and JSON, the data package and the tree."""
    return OpenDataIndex(
        title="Boussole : suivi du projet de territoire 2024-2044 de la CAPH",
        license=package.LICENSE["name"],
        license_url=package.LICENSE["path"],
        datapackage=str(request.url_for("read_datapackage")),
        tree=str(request.url_for("read_open_data_tree")),
        resources=[
            ResourceLink.model_validate(
                {
                    "name": r.name,
                    "title": r.title,
                    "description": r.description,
                    "csv": str(request.url_for("read_csv", resource=r.name)),
                    "json": str(request.url_for("read_json", resource=r.name)),
                }
            )
            for r in package.RESOURCES
        ],
    )


@router.get(
    "/datapackage.json",
    summary="The Frictionless Data Package",
    responses={200: {"description": "A tabular-data-package descriptor"}, **READ},
)
def read_datapackage(session: SessionDep) -> JSONResponse:
    """Describes every CSV with its Table Schema (types, constraints, primary and foreign keys),
    the licence (etalab-2.0), the publisher (CAPH, SIREN 200042190), when the data set was created
    and last updated. Paths are relative: the CSVs sit beside it."""
    return JSONResponse(package.datapackage(session), headers=_disposition("datapackage.json"))


@router.get(
    "/tree.json",
    summary="The whole tree, as a file",
    responses={200: {"description": "The same document as GET /tree"}, **READ},
)
def read_open_data_tree(session: SessionDep) -> JSONResponse:
    """The plan and its live tree with the roll-ups: the same as `GET /api/v1/tree`."""
    return JSONResponse(package.tree(session), headers=_disposition(package.TREE_FILE))


@router.get(
    "/{resource}.csv",
    response_class=Response,
    summary="One table as CSV",
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8, comma, one header row"},
        **UNKNOWN,
        **READ,
    },
)
def read_csv(resource: ResourceName, session: SessionDep) -> Response:
    """UTF-8 without BOM, comma separator, CRLF line ends, decimal point, ISO 8601 dates, empty
    cell for a missing value, `true`/`false`. Text cells that would start a spreadsheet formula
    are prefixed with a single quote. The columns are those of the data package's schema."""
    return Response(
        content=package.table_csv(session, resource),
        media_type=CSV_MEDIA_TYPE,
        headers=_disposition(f"{resource}.csv"),
    )


@router.get(
    "/{resource}.json",
    response_model=OpenDataTable,
    summary="One table as JSON",
    responses={**UNKNOWN, **READ},
)
def read_json(resource: ResourceName, session: SessionDep) -> JSONResponse:
    """The same rows as the CSV, typed: numbers as numbers, booleans, null for empty, dates as
    ISO 8601 strings."""
    return JSONResponse(
        package.table_json(session, resource), headers=_disposition(f"{resource}.json")
    )
