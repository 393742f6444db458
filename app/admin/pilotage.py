"""Who leads and who contributes to each live action and flagship project: the table of the page
/admin/pilotage (read in two queries, whatever the plan's size), its filters, and a bulk change
of many rows turned into the assignments ``boussole assign`` applies
(app.tooling.organisation.apply_assignments: all or nothing, every row at once through
app.trackables.writes.assign, audited as the admin, in a fixed number of queries)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.core.errors import InvalidInputError
from app.core.text import fold
from app.models import Directorate, TrackableKind
from app.tooling.organisation import AssignmentRow
from app.trackables import bulk

#: The value of the filter and of the lead field that mean "no lead directorate".
NO_LEAD = "aucune"
#: The most rows one bulk change may name.
MAX_ROWS = 2000


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    kind: TrackableKind
    engagement: str
    lead: str | None
    contributing: tuple[str, ...]
    sub_action: bool


@dataclass(frozen=True)
class Filters:
    """What the table shows: one engagement, one lead directorate (a code, or ``NO_LEAD``), and
    the rows whose code or title holds ``q`` (accents and case ignored)."""

    engagement: str = ""
    direction: str = ""
    q: str = ""

    @classmethod
    def of(cls, values: Mapping[str, object]) -> "Filters":
        def value(name: str, length: int) -> str:
            found = values.get(name)
            return found.strip()[:length] if isinstance(found, str) else ""

        return cls(value("engagement", 30), value("direction", 30), value("q", 200))

    def keep(self, row: Row) -> bool:
        if self.engagement and row.engagement != self.engagement:
            return False
        if self.direction and (row.lead or NO_LEAD) != self.direction:
            return False
        needle = fold(self.q)
        return not needle or needle in fold(row.code) or needle in fold(row.title)

    def query(self) -> dict[str, str]:
        """The filters set, as query parameters."""
        pairs = {"engagement": self.engagement, "direction": self.direction, "q": self.q}
        return {name: value for name, value in pairs.items() if value}


def rows(*, session: Session) -> list[Row]:
    """Every live action (sub-actions included) and flagship project, in the plan's order."""
    contributing = bulk.links(session, "contributing_directorates")
    return [
        Row(
            code=found.trackable.code,
            title=found.trackable.title,
            kind=found.trackable.kind,
            engagement=found.engagement_code,
            lead=found.lead_code,
            contributing=tuple(contributing.get(found.trackable.id or 0, ())),
            sub_action=found.parent_code is not None,
        )
        for found in bulk.get_all_with_parents(session=session, live_only=True)
    ]


@dataclass(frozen=True)
class BulkChange:
    """What the bulk form asks of the rows ``codes``: a new lead (``lead``: a code, ``NO_LEAD``,
    or "" to leave it), a contributing directorate to add, one to remove ("" for none)."""

    codes: Sequence[str]
    lead: str = ""
    add: str = ""
    remove: str = ""

    def assignments(
        self, *, table: Sequence[Row], directorates: Sequence[Directorate]
    ) -> list[AssignmentRow]:
        """The assignment of each row named, once every field is checked (422, naming the
        field, otherwise): rows of the table, directorates in service (one to remove may be
        archived), at least one row and one change."""
        by_code = {row.code: row for row in table}
        known = {d.code: d for d in directorates}
        in_service = {code for code, d in known.items() if d.archived_at is None}
        if not self.codes:
            raise InvalidInputError(("codes",), "Cochez au moins une action ou un projet phare.")
        if len(self.codes) > MAX_ROWS:
            raise InvalidInputError(("codes",), f"{MAX_ROWS} lignes au plus à la fois.")
        unknown = [code for code in self.codes if code not in by_code]
        if unknown:
            raise InvalidInputError(
                ("codes",), f"Action ou projet phare inconnu : {', '.join(unknown[:10])}."
            )
        for name, value, allowed in (
            ("lead", self.lead, in_service | {NO_LEAD}),
            ("add", self.add, in_service),
            ("remove", self.remove, set(known)),
        ):
            if value and value not in allowed:
                why = "archivée" if value in known else "inconnue"
                raise InvalidInputError((name,), f"Direction {why} : {value}.")
        if not (self.lead or self.add or self.remove):
            raise InvalidInputError(
                ("lead",),
                "Choisissez une direction pilote, ou une direction contributrice à ajouter ou à "
                "retirer.",
            )
        if self.add and self.add == self.remove:
            raise InvalidInputError(
                ("remove",), "La même direction ne peut pas être ajoutée et retirée à la fois."
            )
        return [self._assignment(by_code[code]) for code in self.codes]

    def _assignment(self, row: Row) -> AssignmentRow:
        changes: dict[str, object] = {}
        if self.lead:
            changes["lead_directorate"] = None if self.lead == NO_LEAD else self.lead
        if self.add or self.remove:
            wanted = [c for c in row.contributing if c != self.remove]
            if self.add and self.add not in wanted:
                wanted.append(self.add)
            changes["contributing_directorates"] = sorted(wanted)
        return AssignmentRow(where=row.code, code=row.code, changes=changes)
