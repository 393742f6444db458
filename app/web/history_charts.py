"""The charts of progress over the years on the home and engagement pages, from the same
service as the API's ``/dashboard/progress-series`` (app.trackables.history)."""

from markupsafe import Markup
from sqlmodel import Session

from app.dashboard.routes import default_last_year
from app.models.dashboard import NodeSeries
from app.models.tracking import FIRST_YEAR
from app.trackables import history
from app.web import charts


def _points(node: NodeSeries) -> list[tuple[int, float | None]]:
    return [(p.year, p.progress) for p in node.points]


def plan_chart(session: Session) -> Markup:
    """The plan's line and each engagement's, from the plan's first year to this one."""
    series = history.progress_series(
        session=session, first_year=FIRST_YEAR, last_year=default_last_year()
    )
    return charts.series_chart(
        "avancement-annees",
        "plan et engagements",
        [
            charts.Line("Ensemble du plan", "Plan", _points(series.plan)),
            *(charts.Line(f"Engagement {e.code}", e.code, _points(e)) for e in series.engagements),
        ],
    )


def engagement_chart(session: Session, code: str) -> Markup:
    """The engagement's line beside the whole plan's."""
    series = history.progress_series(
        session=session, first_year=FIRST_YEAR, last_year=default_last_year()
    )
    lines = [
        charts.Line(f"Engagement {e.code}", e.code, _points(e))
        for e in series.engagements
        if e.code == code
    ]
    return charts.series_chart(
        "avancement-annees",
        f"engagement {code}",
        [*lines, charts.Line("Ensemble du plan", "Plan", _points(series.plan))],
    )
