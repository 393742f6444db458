"""Charts as inline SVG, drawn on the server: no JavaScript, nothing fetched.

Every chart is a ``<figure>`` holding an ``<svg role="img">`` named by its ``<title>`` (a sentence
that gives the data, read by screen readers) and a ``<details>`` with the same data as an HTML
table, for everyone. The SVG scales with the page (``viewBox``); shapes say what colours say
(solid or dashed lines, filled or hollow marks), so that nothing relies on colour alone.

This module only draws what the services computed: it never derives a value of its own.

Whatever the database holds, a chart stays drawable (see docs/security.md): values beyond
±``DRAW_LIMIT`` are drawn at that edge and NaN not drawn (their text, title and table give them
as stored), a value axis spans at least ``MIN_SPAN``, progress bars are held to 0–100 %, and the
year axes label at most about a dozen years and draw at most ``MAX_BANDS`` yearly bars.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.models.indicators import IndicatorDetail, ValueStatus
from app.web import format as fr

WIDTH = 640
HEIGHT = 260
#: The largest magnitude drawn: beyond, a value is drawn at ±DRAW_LIMIT, so that every
#: difference and ratio of the scale stays a finite double (1e308 − (−1e308) does not).
DRAW_LIMIT = 1e300
#: The narrowest value axis: ticks are rounded to 10 decimals, narrower ones would merge (the
#: values 0 and 5e-324 are drawn on an axis from 0 to 1e-9).
MIN_SPAN = 1e-9
#: A span of years beyond this many draws bars for the years with a report only.
MAX_BANDS = 100
#: About how many years the year axis of an indicator labels.
YEAR_LABELS = 10


@dataclass(frozen=True)
class Frame:
    """The plotting area inside the SVG's view box."""

    left: float = 56
    right: float = WIDTH - 16
    top: float = 24
    bottom: float = HEIGHT - 36

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


FRAME = Frame()


def _n(value: float) -> str:
    """A coordinate, short: ``12.0`` → ``"12"``, ``12.345`` → ``"12.35"``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def drawable(value: float) -> float | None:
    """Where ``value`` is drawn: itself within ±DRAW_LIMIT, else at that edge; NaN nowhere."""
    if math.isnan(value):
        return None
    return min(DRAW_LIMIT, max(-DRAW_LIMIT, value))


def drawable_domain(values: Sequence[float]) -> tuple[float, float]:
    """Lowest (0 at most, the axis starts from zero) and highest drawable of ``values``."""
    drawn = [d for d in map(drawable, values) if d is not None]
    return min([0.0, *drawn]), max(drawn, default=0.0)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``–``high`` (1, 2 or 5 times a power of ten apart).

    Total: the bounds are brought within ±DRAW_LIMIT, and a span too narrow for doubles to tell
    the ticks apart (below MIN_SPAN, or a billionth of the bounds) is widened."""
    low, high = (drawable(v) or 0.0 for v in (low, high))
    if high <= low:
        high = low + 1
    narrowest = max(MIN_SPAN, abs(low) * 1e-9, abs(high) * 1e-9)
    if high - low < narrowest:
        high = low + narrowest
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step)
    end = math.ceil(high / step)
    return [round(index * step, 10) for index in range(start, end + 1)]


def _svg_open(chart_id: str, title: str, description: str, kind: str, **data: int) -> str:
    attributes = " ".join(f'data-{name}="{value}"' for name, value in data.items())
    return (
        f'<svg class="chart chart--{kind}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {attributes} '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        '<details class="chart-data"><summary>Données du graphique</summary>'
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></details>"
    )


def _figure(svg: str, caption: str, table: str, legend: str = "") -> Markup:
    return Markup(  # noqa: S704 - every text in it went through escape()
        f'<figure class="chart-figure">{svg}{legend}'
        f"<figcaption>{escape(caption)}</figcaption>{table}</figure>"
    )


def _empty(message: str) -> str:
    return (
        f'<text class="chart-empty" x="{WIDTH / 2:g}" y="{HEIGHT / 2:g}" '
        f'text-anchor="middle">{escape(message)}</text>'
    )


# --- Yearly progress ----------------------------------------------------------------------------


def progress_chart(
    chart_id: str,
    subject: str,
    points: Sequence[tuple[int, float]],
    *,
    first_year: int,
    last_year: int,
) -> Markup:
    """Bars of the yearly progress reports (0–100 %), one band per year from ``first_year`` to
    ``last_year`` (years without a report stay empty)."""
    points = sorted(points)
    if points:
        first_year = min(first_year, points[0][0])
        last_year = max(last_year, points[-1][0])
    years = (
        list(range(first_year, last_year + 1))
        if last_year - first_year < MAX_BANDS
        else [year for year, _ in points] or [last_year]  # a far stored year: no empty bars
    )
    title = f"Avancement annuel de {subject} : " + (
        " ; ".join(f"{year} : {fr.percent(value)}" for year, value in points)
        if points
        else "aucun bilan annuel enregistré pour l'instant."
    )
    description = "Diagramme en barres, de 0 à 100 %, une barre par année de bilan."
    parts = [_svg_open(chart_id, title, description, "progress", points=len(points))]
    frame = FRAME

    def y_of(value: float) -> float:
        # Reports are 0–100 % (the database checks it); held there all the same.
        return frame.bottom - min(100.0, max(0.0, value)) / 100 * frame.height

    for tick in (0, 25, 50, 75, 100):
        y = _n(y_of(tick))
        parts.append(
            f'<line class="grid" x1="{_n(frame.left)}" x2="{_n(frame.right)}" y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{_n(frame.left - 6)}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(fr.percent(tick))}</text>'
        )
    band = frame.width / len(years)
    label_every = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
    values = dict(points)
    value_class = "value" if len(years) <= 12 else "value value--small"
    for index, year in enumerate(years):
        x = frame.left + index * band
        if index % label_every == 0:
            parts.append(
                f'<text class="tick" x="{_n(x + band / 2)}" y="{_n(frame.bottom + 18)}" '
                f'text-anchor="middle">{year}</text>'
            )
        if year in values and not math.isnan(values[year]):
            value = values[year]
            top = y_of(value)
            width = band * 0.7
            parts.append(
                f'<rect class="bar" x="{_n(x + (band - width) / 2)}" y="{_n(top)}" '
                f'width="{_n(width)}" height="{_n(frame.bottom - top)}"/>'
                f'<text class="{value_class}" x="{_n(x + band / 2)}" y="{_n(top - 5)}" '
                f'text-anchor="middle">{escape(fr.percent(value))}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{_n(frame.left)}" x2="{_n(frame.right)}" '
        f'y1="{_n(frame.bottom)}" y2="{_n(frame.bottom)}"/>'
    )
    if not points:
        parts.append(_empty("Aucun bilan annuel pour l'instant"))
    parts.append("</svg>")
    table = _table(
        f"Avancement annuel de {subject}",
        ("Année", "Avancement"),
        [(str(year), fr.percent(value)) for year, value in points],
    )
    return _figure("".join(parts), f"Avancement déclaré chaque année ({subject}).", table)


# --- Indicators ---------------------------------------------------------------------------------


_LEGEND = (
    '<ul class="chart-legend">'
    '<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true" focusable="false">'
    '<line class="observed-line" x1="1" y1="6" x2="27" y2="6"/>'
    '<circle class="point" cx="14" cy="6" r="4"/></svg>valeurs observées '
    "(rond plein : définitive, rond vide : provisoire)</li>"
    '<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true" focusable="false">'
    '<line class="target-line" x1="1" y1="6" x2="27" y2="6"/></svg>'
    "trajectoire visée, de la valeur de référence à la cible</li>"
    '<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true" focusable="false">'
    '<rect class="target" x="9" y="1" width="10" height="10"/></svg>cible</li>'
    '<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true" focusable="false">'
    '<rect class="baseline" x="9" y="1" width="10" height="10"/></svg>'
    "valeur de référence</li>"
    '<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true" focusable="false">'
    '<path class="expected" d="M14 0 L20 6 L14 12 L8 6 Z"/></svg>'
    "valeur attendue cette année sur la trajectoire</li>"
    "</ul>"
)


def indicator_chart(chart_id: str, indicator: IndicatorDetail) -> Markup:
    """The whole-territory values against the line from the baseline to the targets, with the
    value expected this year on that line (as the indicators service computed it)."""
    unit, decimals = indicator.unit, indicator.decimals

    def show(value: float) -> str:
        return fr.quantity(value, unit, decimals)

    baseline = (indicator.baseline.year, indicator.baseline.value) if indicator.baseline else None
    targets = sorted((t.year, t.value) for t in indicator.targets)
    observed = [(v.year, v.value, v.status == ValueStatus.provisional) for v in indicator.values]
    trajectory = indicator.trajectory
    expected = (
        (trajectory.expected_year, trajectory.expected_value)
        if trajectory.expected_value is not None
        else None
    )

    everything = [*targets, *((y, v) for y, v, _ in observed)]
    if baseline:
        everything.append(baseline)
    if expected:
        everything.append(expected)

    sentences = []
    if observed:
        sentences.append(
            "valeurs observées : " + " ; ".join(f"{y} : {show(v)}" for y, v, _ in observed)
        )
    else:
        sentences.append("aucune valeur observée pour l'instant")
    if baseline:
        sentences.append(f"valeur de référence : {show(baseline[1])} en {baseline[0]}")
    sentences.extend(f"cible : {show(v)} en {y}" for y, v in targets)
    if expected:
        sentences.append(f"valeur attendue en {expected[0]} : {show(expected[1])}")
    title = f"{indicator.name} : " + ", ".join(sentences) + "."
    description = (
        "Courbe des valeurs observées comparée à la droite qui va de la valeur de référence "
        "à la cible."
    )
    parts = [
        _svg_open(
            chart_id,
            title,
            description,
            "indicator",
            points=len(observed),
            targets=len(targets),
        )
    ]
    frame = FRAME
    if not everything:
        parts.append(_empty("Ni valeur, ni référence, ni cible pour l'instant"))
        parts.append("</svg>")
    else:
        years = [y for y, _ in everything]
        first, last = min(years), max(years)
        if first == last:
            first, last = first - 1, last + 1
        ticks = nice_ticks(*drawable_domain([v for _, v in everything]))
        low, high = ticks[0], ticks[-1]

        def x_of(year: float) -> float:
            return frame.left + 12 + (year - first) / (last - first) * (frame.width - 24)

        def y_of(value: float) -> float:
            drawn = drawable(value)
            assert drawn is not None  # NaN values are left out before
            return frame.bottom - (drawn - low) / (high - low) * frame.height

        def plottable(value: float) -> bool:
            return not math.isnan(value)

        for tick in ticks:
            tick_y = _n(y_of(tick))
            parts.append(
                f'<line class="grid" x1="{_n(frame.left)}" x2="{_n(frame.right)}" '
                f'y1="{tick_y}" y2="{tick_y}"/>'
                f'<text class="tick" x="{_n(frame.left - 6)}" y="{tick_y}" '
                f'text-anchor="end" dominant-baseline="middle">'
                f"{escape(fr.number(tick, decimals if tick % 1 else 0))}</text>"
            )
        step = year_step(last - first)
        labelled = [y for y in range(first, last + 1, step) if last - y >= step / 2] + [last]
        for year in labelled:
            parts.append(
                f'<text class="tick" x="{_n(x_of(year))}" y="{_n(frame.bottom + 18)}" '
                f'text-anchor="middle">{year}</text>'
            )
        parts.append(
            f'<line class="axis" x1="{_n(frame.left)}" x2="{_n(frame.right)}" '
            f'y1="{_n(frame.bottom)}" y2="{_n(frame.bottom)}"/>'
        )
        if baseline:
            line = [
                p
                for p in (baseline, *(t for t in targets if t[0] > baseline[0]))
                if plottable(p[1])
            ]
        if baseline and len(line) > 1:
            coordinates = " ".join(f"{_n(x_of(y))},{_n(y_of(v))}" for y, v in line)
            parts.append(f'<polyline class="target-line" points="{coordinates}"/>')
        if baseline and plottable(baseline[1]):
            parts.append(_square("baseline", x_of(baseline[0]), y_of(baseline[1])))
        for year, value in targets:
            if plottable(value):
                parts.append(_square("target", x_of(year), y_of(value)))
        if expected and plottable(expected[1]):
            x, y = x_of(expected[0]), y_of(expected[1])
            parts.append(
                f'<path class="expected" d="M{_n(x)} {_n(y - 7)} L{_n(x + 7)} {_n(y)} '
                f'L{_n(x)} {_n(y + 7)} L{_n(x - 7)} {_n(y)} Z"/>'
            )
        plotted = [(y, v, p) for y, v, p in observed if plottable(v)]
        if len(plotted) > 1:
            coordinates = " ".join(f"{_n(x_of(y))},{_n(y_of(v))}" for y, v, _ in plotted)
            parts.append(f'<polyline class="observed-line" points="{coordinates}"/>')
        for year, value, provisional in plotted:
            kind = "point point--provisional" if provisional else "point"
            x, y = x_of(year), y_of(value)
            parts.append(f'<circle class="{kind}" cx="{_n(x)}" cy="{_n(y)}" r="5"/>')
            if len(observed) <= 12:
                parts.append(
                    f'<text class="value" x="{_n(x)}" y="{_n(y - 10)}" text-anchor="middle">'
                    f"{escape(fr.number(value, decimals))}</text>"
                )
        parts.append("</svg>")

    rows: list[tuple[str, ...]] = []
    if baseline:
        rows.append((str(baseline[0]), "valeur de référence", show(baseline[1])))
    rows.extend(
        (str(y), f"valeur observée ({'provisoire' if p else 'définitive'})", show(v))
        for y, v, p in observed
    )
    rows.extend((str(y), "cible", show(v)) for y, v in targets)
    if expected:
        rows.append((str(expected[0]), "valeur attendue sur la trajectoire", show(expected[1])))
    rows.sort(key=lambda row: row[0])
    table = _table(indicator.name, ("Année", "Nature", "Valeur"), rows)
    caption = f"{indicator.name}" + (f" (en {unit})" if unit else "")
    return _figure("".join(parts), caption, table, _LEGEND)


def year_step(span: int) -> int:
    """Years between two labels of a year axis spanning ``span`` years: 1, 2, 5, then 10, 20,
    50, 100… so that about ``YEAR_LABELS`` are written (a far stored year does not label every
    year between)."""
    if span <= 10:
        return 1
    if span <= 20:
        return 2
    if span <= 50:
        return 5
    magnitude = 10
    while True:
        for multiple in (1, 2, 5):
            if multiple * magnitude * YEAR_LABELS >= span:
                return multiple * magnitude
        magnitude *= 10


def _square(kind: str, x: float, y: float) -> str:
    return f'<rect class="{kind}" x="{_n(x - 5)}" y="{_n(y - 5)}" width="10" height="10"/>'
