"""What was extracted from a profile, as numbered items the candidate can leave out before the interview:
the same list for plain mode and the setup screen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .model import Profile

ItemKind = Literal["project", "technology", "move"]


@dataclass(frozen=True)
class Item:
    """One thing extracted. `label` and `details` are the profile's own words (untrusted: show them with
    `untrusted.py`); `key` says what leaving it out removes."""

    number: int
    kind: ItemKind
    key: str
    label: str
    details: tuple[str, ...] = ()


def items(profile: Profile) -> list[Item]:
    """Projects (title; period and role; each claim), then technologies (one per stack question, by every
    name the profile uses for it), then career moves, numbered from 1 in that order."""
    out: list[Item] = []

    def add(kind: ItemKind, key: str, label: str, details: Iterable[str] = ()) -> None:
        out.append(Item(len(out) + 1, kind, key, label, tuple(details)))

    for index, project in enumerate(profile.projects):
        head = " · ".join(p for p in (project.title, project.period, project.role) if p)
        add("project", f"project:{index}", head, (c.text for c in project.claims))
    names: dict[str, list[str]] = {}
    for tech in profile.technologies:
        names.setdefault(tech.question_id, [])
        if tech.name not in names[tech.question_id]:
            names[tech.question_id].append(tech.name)
    for question_id, written in names.items():
        add("technology", f"technology:{question_id}", ", ".join(written))
    for index, move in enumerate(profile.moves):
        where = f"{move.from_org} → {move.to_org}" if move.from_org else move.to_org
        add("move", f"move:{index}", " · ".join(p for p in (where, move.role, move.when) if p))
    return out


def without(profile: Profile, dropped: Iterable[int]) -> Profile:
    """The profile with the items numbered `dropped` (as `items` numbers them) left out. A technology left
    out is gone from the projects that name it too, so no question is asked about it; numbers that name no
    item are ignored."""
    numbers = set(dropped)
    gone = {item.key for item in items(profile) if item.number in numbers}
    techs = {key.partition(":")[2] for key in gone if key.startswith("technology:")}
    projects = [
        p.model_copy(update={"technologies": [t for t in p.technologies if t not in techs]})
        for i, p in enumerate(profile.projects)
        if f"project:{i}" not in gone
    ]
    return profile.model_copy(
        update={
            "projects": projects,
            "technologies": [t for t in profile.technologies if t.question_id not in techs],
            "moves": [m for i, m in enumerate(profile.moves) if f"move:{i}" not in gone],
        }
    )


def parse_numbers(typed: str, count: int) -> list[int] | None:
    """The item numbers typed to leave out ("2 5", "2,5", "2-4"); None when a part is not a number from 1
    to `count`. An empty line leaves out nothing."""
    numbers: list[int] = []
    for part in typed.replace(",", " ").split():
        low, dash, high = part.partition("-")
        if not (low.isdigit() and (not dash or high.isdigit())):
            return None
        first, last = int(low), int(high) if dash else int(low)
        if not 1 <= first <= last <= count:
            return None
        numbers.extend(range(first, last + 1))
    return sorted(set(numbers))
