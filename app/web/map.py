"""The map of the territory: the 47 communes drawn from the committed outlines
(``app.reference.geography``), each a link to its page, coloured by the measure the reader
chose — the actions naming it, or an indicator's most recent value there — with a legend that
says each class in words and the same figures as a table. No JavaScript; three to five queries.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from sqlmodel import Session

from app.core.errors import NotFoundError
from app.dashboard import territory
from app.models.indicators import Indicator
from app.reference import geography
from app.web import format as fr

CLASSES = 5  # the palette's steps (style.css: .map-c0 … .map-c4)
ACTIONS = ""  # the measure's key when no indicator is chosen

#: The measure, as the reader's GET form sends it: an indicator's code, or none.
IndicatorQuery = Annotated[str, Query(alias="indicateur", max_length=30)]


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    css_class: str
    value_text: str
    highlighted: bool


@dataclass(frozen=True)
class LegendClass:
    css_class: str
    label: str


@dataclass(frozen=True)
class TerritoryMap:
    view_box: str
    shapes: list[Shape]
    legend: list[LegendClass]
    measure: str  # ACTIONS or the indicator's code
    measure_label: str
    options: list[tuple[str, str]]  # (key, label) of every measure the reader may choose


def classes(values: Sequence[float]) -> list[tuple[float, float]]:
    """The classes' bounds: one per distinct value when there are at most ``CLASSES`` of them,
    else ``CLASSES`` equal intervals from the smallest to the largest."""
    distinct = sorted(set(values))
    if len(distinct) <= CLASSES:
        return [(v, v) for v in distinct]
    low, high = distinct[0], distinct[-1]
    step = (high - low) / CLASSES
    return [
        (low + i * step, high if i == CLASSES - 1 else low + (i + 1) * step) for i in range(CLASSES)
    ]


def class_of(value: float, bounds: Sequence[tuple[float, float]]) -> int:
    for index, (_, high) in enumerate(bounds):
        if value <= high:
            return index
    return len(bounds) - 1


def _styles(count: int) -> list[str]:
    """Spread ``count`` classes over the palette, light to dark."""
    if count <= 1:
        return [f"map-c{CLASSES // 2}"]
    return [f"map-c{round(i * (CLASSES - 1) / (count - 1))}" for i in range(count)]


def build(
    *, session: Session, indicator_code: str = ACTIONS, highlight: str | None = None
) -> TerritoryMap:
    """The map coloured by ``indicator_code``'s latest value per commune, or by the number of
    actions naming each commune when it is empty (NotFoundError for an unknown indicator)."""
    outlines = geography.outlines()
    names = {c.insee_code: c.name for c in territory.all_communes(session=session)}
    mapped = territory.mapped_indicators(session=session)
    options = [(ACTIONS, "Actions qui nomment la commune")] + [
        (i.code, f"Valeur la plus récente : {i.name}") for i in mapped
    ]
    indicator: Indicator | None = None
    values: Mapping[str, float]
    if indicator_code:
        indicator = next((i for i in mapped if i.code == indicator_code), None)
        if indicator is None:
            raise NotFoundError("indicator", indicator_code)
        latest = territory.latest_by_commune(session=session, indicator=indicator)
        values = {code: v.value for code, v in latest.items()}
        years = {code: v.year for code, v in latest.items()}

        def text(value: float, code: str) -> str:
            assert indicator is not None
            shown = fr.quantity(value, indicator.unit, indicator.decimals)
            return f"{shown} ({years[code]})"

        def bound(value: float) -> str:
            assert indicator is not None
            return fr.quantity(value, indicator.unit, indicator.decimals)

        label = f"{indicator.name}, valeur la plus récente"
    else:
        counts = territory.actions_naming(session=session)
        values = {code: float(counts.get(code, 0)) for code in outlines["communes"]}

        def text(value: float, code: str) -> str:
            return fr.plural(int(value), "action")

        def bound(value: float) -> str:
            return fr.number(value)

        label = "Actions qui nomment la commune"
    bounds = classes(list(values.values()))
    styles = _styles(len(bounds))
    legend = [
        LegendClass(
            css_class=styles[i],
            label=bound(low) if low == high else f"de {bound(low)} à {bound(high)}",
        )
        for i, (low, high) in enumerate(bounds)
    ]
    if len(values) < len(outlines["communes"]):
        legend.append(LegendClass(css_class="map-none", label="Aucune valeur"))
    shapes = [
        Shape(
            code=code,
            name=names.get(code, outline["name"]),
            d=outline["d"],
            css_class=styles[class_of(values[code], bounds)] if code in values else "map-none",
            value_text=text(values[code], code) if code in values else "aucune valeur",
            highlighted=code == highlight,
        )
        for code, outline in outlines["communes"].items()
    ]
    # The highlighted commune is drawn last, so that its outline lies above its neighbours'.
    shapes.sort(key=lambda s: (s.highlighted, s.code))
    return TerritoryMap(
        view_box=outlines["view_box"],
        shapes=shapes,
        legend=legend,
        measure=indicator.code if indicator else ACTIONS,
        measure_label=label,
        options=options,
    )
