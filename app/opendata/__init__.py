"""Open data: the tables a reuser needs, as CSV and JSON, and a Frictionless Data Package that
describes them.

Each resource is described once, declaratively (fields with their Table Schema type, description
and constraints, primary and foreign keys), beside the function that reads its rows; the
``datapackage.json``, the CSV header and the JSON items are all derived from that description,
so the schema and the data cannot drift apart. Every resource is read with a fixed number of
queries (bulk selects of whole tables, never a query per row).

Conventions (data.gouv.fr): UTF-8 without BOM, comma separator, one header row, fields quoted
only when needed, CRLF line ends (RFC 4180), decimal point, ISO 8601 dates (``YYYY-MM-DD``) and
date-times in UTC (``YYYY-MM-DDThh:mm:ssZ``), empty cell for a missing value, booleans
``true``/``false``. Text cells that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with a single quote, as OWASP
advises; numeric cells are never altered, so negative numbers stay numbers.

Internal fields never leave: no token name (``reported_by``, ``recorded_by``), no audit detail.

Layout: app.opendata.tables (the table-schema framework and the cell rules; those every file
Boussole writes shares are app.core.cells), .columns (the columns several resources share),
.queries (what the resources' queries share), .resources_plan and .resources_tracking (the
resources and their queries), .national (the national schema betagouv/projets-territoire),
.package (the data package and the export), .routes (the API).
"""

from app.core.cells import NON_FINITE, format_number, neutralise
from app.opendata.national import NAMESPACE, NATIONAL_DATETIME_PATTERN, project_id
from app.opendata.package import (
    EXPORT_FILE_COUNT,
    LICENSE,
    RESOURCES,
    export,
    get_resource,
)

__all__ = [
    "EXPORT_FILE_COUNT",
    "LICENSE",
    "NAMESPACE",
    "NATIONAL_DATETIME_PATTERN",
    "NON_FINITE",
    "RESOURCES",
    "export",
    "format_number",
    "get_resource",
    "neutralise",
    "project_id",
]
