"""Reading and validating the seed files: the whole plan checked (its schema, then the rules
that span nodes) before anything is written, every problem named."""

import csv
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.tooling.seed.schema import SeedCommune, SeedDocument


class SeedError(Exception):
    """A seed file that cannot be loaded; the message names the file, the node and the problem."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


def _describe(raw: Any, loc: Sequence[int | str]) -> str:
    """``engagements[0].axes[2] (E1.3).title`` for a pydantic error location: the path, with
    the code of the innermost node that has one."""
    path, node, cut, code = "", raw, 0, ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            cut, code = len(path), node["code"]
    return f"{path[:cut]} ({code}){path[cut:]}" if code else path


def parse_plan(path: Path) -> SeedDocument:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise SeedError(path, [f"not UTF-8 text: {exc.reason}"]) from exc
    except yaml.YAMLError as exc:
        raise SeedError(path, [f"invalid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise SeedError(path, ["the file must hold a mapping with a 'plan' key"])
    try:
        document = SeedDocument.model_validate(raw)
    except ValidationError as exc:
        raise SeedError(
            path, [f"{_describe(raw, err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from exc
    problems = list(_check_references(document))
    if problems:
        raise SeedError(path, problems)
    return document


def _duplicates(kind: str, codes: Iterable[str]) -> Iterator[str]:
    for code, count in Counter(codes).items():
        if count > 1:
            yield f"{kind} {code}: duplicate code (used {count} times)"


def _check_references(doc: SeedDocument) -> Iterator[str]:
    """Rules that span nodes: unique codes per table, codes nested under their parent's code,
    links to actions that exist."""
    yield from _duplicates("ambition", (a.code for a in doc.ambitions))
    yield from _duplicates("value", (v.code for v in doc.values))
    yield from _duplicates("key point", (k.code for k in [*doc.diagnostic, *doc.prospective]))
    yield from _duplicates("chronology step", (c.code for c in doc.chronology))
    yield from _duplicates("engagement", (e.code for e in doc.engagements))
    yield from _duplicates("axis", (a.code for e in doc.engagements for a in e.axes))
    yield from _duplicates("directorate", (d.code for d in doc.directorates or []))
    trackable_codes = [
        code
        for _, action in doc.actions()
        for code in [action.code, *(s.code for s in action.sub_actions)]
    ] + [f.code for e in doc.engagements for f in e.flagship_projects]
    yield from _duplicates("action or flagship project", trackable_codes)

    action_codes = {action.code for _, action in doc.actions()} | {
        sub.code for _, action in doc.actions() for sub in action.sub_actions
    }
    for engagement in doc.engagements:
        for axis in engagement.axes:
            if not axis.code.startswith(f"{engagement.code}."):
                yield f"axis {axis.code}: code does not sit under its engagement {engagement.code}"
            for action in axis.actions:
                if not action.code.startswith(f"{axis.code}."):
                    yield f"action {action.code}: code does not sit under its axis {axis.code}"
                for sub in action.sub_actions:
                    if not sub.code.startswith(f"{action.code}."):
                        yield (
                            f"sub-action {sub.code}: code does not sit under its action "
                            f"{action.code}"
                        )
        for flagship in engagement.flagship_projects:
            for code in flagship.actions:
                if code not in action_codes:
                    yield f"flagship project {flagship.code}: unknown action '{code}'"

    yield from _duplicates("indicator", (i.code for i in doc.indicators))
    node_codes = set(trackable_codes) | {e.code for e in doc.engagements}
    node_codes |= {a.code for e in doc.engagements for a in e.axes}
    for indicator in doc.indicators:
        for code in indicator.measures:
            if code not in node_codes:
                yield f"indicator {indicator.code}: measures unknown node '{code}'"
        years = [t.year for t in indicator.targets]
        for year in sorted({y for y in years if years.count(y) > 1}):
            yield f"indicator {indicator.code}: two targets for {year}"


def parse_communes(path: Path) -> list[SeedCommune]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SeedError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    communes, problems = [], []
    for line, row in enumerate(rows, start=2):
        try:
            communes.append(
                SeedCommune.model_validate(
                    {
                        "insee_code": row.get("insee_code"),
                        "name": row.get("name"),
                        "population": row.get("population_municipale_2024"),
                        # Optional: the commune's own SIREN (DGCL), for the national export.
                        "siren": row.get("siren") or None,
                    }
                )
            )
        except ValidationError as exc:
            problems += [
                f"line {line}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            ]
    problems += list(_duplicates("commune", (c.insee_code for c in communes)))
    if problems:
        raise SeedError(path, problems)
    return communes
