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


def _svg_open(
    chart_id: str,
    title: str,
    description: str,
    kind: str,
    *,
    width: float = WIDTH,
    height: float = HEIGHT,
    **data: int,
) -> str:
    attributes = " ".join(f'data-{name}="{value}"' for name, value in data.items())
    return (
        f'<svg class="chart chart--{kind}" role="img" viewBox="0 0 {_n(width)} {_n(height)}" '
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

#: The compact charts (yearly bars, progress over the years) are drawn in a narrow view box so
#: that, scaled to a phone's width, their 14-unit text stays at least 12 px high (the stylesheet
#: caps their width on a wide screen).
NARROW = 360
#: The height of a year's row of the yearly bars.
ROW = 26


def progress_chart(
    chart_id: str,
    subject: str,
    points: Sequence[tuple[int, float]],
    *,
    first_year: int,
    last_year: int,
) -> Markup:
    """Horizontal bars of the yearly progress reports (0–100 %), one row per year from
    ``first_year`` to ``last_year`` (years without a report stay empty), the year on the left and
    the value after the bar: labels never overlap, however many years."""
    points = sorted(points)
    if points:
        first_year = min(first_year, points[0][0])
        last_year = max(last_year, points[-1][0])
    years = (
        list(range(first_year, last_year + 1))
        if last_year - first_year < MAX_BANDS
        else [year for year, _ in points] or [last_year]  # a far stored year: no empty rows
    )
    title = f"Avancement annuel de {subject} : " + (
        " ; ".join(f"{year} : {fr.percent(value)}" for year, value in points)
        if points
        else "aucun bilan annuel enregistré pour l'instant."
    )
    description = "Diagramme en barres horizontales, de 0 à 100 %, une barre par année de bilan."
    left, right, top = 62.0, NARROW - 64.0, 8.0
    height = top + ROW * len(years) + 26
    parts = [
        _svg_open(
            chart_id,
            title,
            description,
            "progress",
            width=NARROW,
            height=height,
            points=len(points),
        )
    ]
    bottom = top + ROW * len(years)

    def x_of(value: float) -> float:
        # Reports are 0–100 % (the database checks it); held there all the same.
        return left + min(100.0, max(0.0, value)) / 100 * (right - left)

    for tick in (0, 50, 100):
        x = _n(x_of(tick))
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        parts.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{_n(top)}" y2="{_n(bottom)}"/>'
            f'<text class="tick" x="{x}" y="{_n(bottom + 18)}" text-anchor="{anchor}">'
            f"{escape(fr.percent(tick))}</text>"
        )
    values = dict(points)
    for index, year in enumerate(years):
        middle = top + index * ROW + ROW / 2
        parts.append(
            f'<text class="tick year" x="4" y="{_n(middle)}" dominant-baseline="middle">'
            f"{year}</text>"
        )
        if year in values and not math.isnan(values[year]):
            value = values[year]
            end = x_of(value)
            parts.append(
                f'<rect class="bar" x="{_n(left)}" y="{_n(middle - 8)}" '
                f'width="{_n(max(end - left, 0))}" height="16"/>'
                f'<text class="value" x="{_n(end + 4)}" y="{_n(middle)}" '
                f'dominant-baseline="middle">{escape(fr.percent(value))}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{_n(left)}" x2="{_n(left)}" y1="{_n(top)}" y2="{_n(bottom)}"/>'
    )
    if not points:
        parts.append(
            f'<text class="chart-empty" x="{_n(NARROW / 2)}" y="{_n(bottom + 18)}" '
            'text-anchor="middle">Aucun bilan annuel pour l\'instant</text>'
        )
    parts.append("</svg>")
    table = _table(
        f"Avancement annuel de {subject}",
        ("Année", "Avancement"),
        [(str(year), fr.percent(value)) for year, value in points],
    )
    return _figure("".join(parts), f"Avancement déclaré chaque année ({subject}).", table)


# --- Progress over the years --------------------------------------------------------------------

#: How each line is told apart without colour: its dash pattern and the shape of its marks.
_STROKES = ("", "8 4", "2 4", "10 4 2 4")
_SHAPES = ("circle", "square", "triangle", "diamond")


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return '<path d="M' + " L".join(f"{_n(x)} {_n(y)}" for x, y in points) + ' Z"/>'


def _mark(shape: str, x: float, y: float, size: float = 4.5) -> str:
    big = size + 1
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}"/>'
    if shape == "square":
        side = _n(2 * size)
        return f'<rect x="{_n(x - size)}" y="{_n(y - size)}" width="{side}" height="{side}"/>'
    if shape == "triangle":
        return _polygon([(x, y - big), (x + big, y + size), (x - big, y + size)])
    return _polygon([(x, y - big), (x + big, y), (x, y + big), (x - big, y)])


@dataclass(frozen=True)
class Line:
    """A line of ``series_chart``: its name, the short one that heads its column of the table
    (narrow enough for a phone), and its ``(year, progress)`` points."""

    name: str
    short: str
    points: Sequence[tuple[int, float | None]]


def series_chart(chart_id: str, subject: str, lines: Sequence[Line]) -> Markup:
    """Lines of progress (0–100 %) over the years: each with its own dash pattern and marks,
    named in a legend with its latest value; the year axis labels as many years as fit (the
    table gives every one)."""
    series = [(line.name, line.points) for line in lines]
    years = sorted({year for _, points in series for year, _ in points})
    sentences = [
        f"{name} : " + ", ".join(f"{year} : {fr.percent(value)}" for year, value in points)
        for name, points in series
    ]
    title = f"Avancement au fil des années ({subject}). " + " ; ".join(sentences) + "."
    description = (
        "Courbes de l'avancement, de 0 à 100 %, une par "
        + ("élément" if len(series) > 1 else "courbe")
        + ", un point par année."
    )
    width, height = NARROW, 230.0
    left, right, top, bottom = 52.0, NARROW - 14.0, 14.0, height - 32
    parts = [
        _svg_open(
            chart_id, title, description, "series", width=width, height=height, lines=len(series)
        )
    ]
    first, last = (years[0], years[-1]) if years else (0, 1)
    span = max(last - first, 1)

    def x_of(year: int) -> float:
        return left + 8 + (year - first) / span * (right - left - 16)

    def y_of(value: float) -> float:
        return bottom - min(100.0, max(0.0, value)) / 100 * (bottom - top)

    for tick in (0, 25, 50, 75, 100):
        y = _n(y_of(tick))
        parts.append(
            f'<line class="grid" x1="{_n(left)}" x2="{_n(right)}" y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{_n(left - 6)}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(fr.percent(tick))}</text>'
        )
    # A four-digit year is about 36 units wide at 14: at most one label per 48 units.
    fit = max(int((right - left) // 48), 1)
    step = max(math.ceil(len(years) / fit), 1)
    for year in years[::step]:
        parts.append(
            f'<text class="tick" x="{_n(x_of(year))}" y="{_n(bottom + 20)}" '
            f'text-anchor="middle">{year}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(bottom)}" y2="{_n(bottom)}"/>'
    )
    legend = []
    for n, (name, points) in enumerate(series):
        style = n % len(_STROKES)
        drawn = [(y, v) for y, v in points if v is not None and not math.isnan(v)]
        coordinates = " ".join(f"{_n(x_of(y))},{_n(y_of(v))}" for y, v in drawn)
        dash = f' stroke-dasharray="{_STROKES[style]}"' if _STROKES[style] else ""
        parts.append(f'<g class="series series-{style}">')
        if len(drawn) > 1:
            parts.append(f'<polyline class="line" points="{coordinates}"{dash}/>')
        parts.extend(_mark(_SHAPES[style], x_of(y), y_of(v)) for y, v in drawn)
        parts.append("</g>")
        latest = fr.percent(points[-1][1]) if points else fr.percent(None)
        legend.append(
            f'<li><svg class="swatch series series-{style}" viewBox="0 0 28 12" '
            'aria-hidden="true" focusable="false">'
            f'<line class="line" x1="1" y1="6" x2="27" y2="6"{dash}/>'
            f"{_mark(_SHAPES[style], 14, 6, 4)}</svg>"
            f"{escape(name)} ({escape(latest)} en {points[-1][0] if points else ''})</li>"
        )
    if not years:
        parts.append(_empty("Aucune année à montrer"))
    parts.append("</svg>")
    table = _table(
        f"Avancement au fil des années ({subject})",
        ("Année", *(line.short for line in lines)),
        [
            (str(year), *(fr.percent(dict(points).get(year)) for _, points in series))
            for year in years
        ],
    )
    return _figure(
        "".join(parts),
        f"Avancement au fil des années ({subject}), d'après les bilans publiés.",
        table,
        '<ul class="chart-legend">' + "".join(legend) + "</ul>",
    )


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
