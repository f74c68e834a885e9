"""What is extracted from a profile. Every text field is the candidate's own words, as found: untrusted,
shown with `untrusted.py` and never as markup."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..domain import Lang


class Claim(BaseModel):
    """One thing the profile says was done or achieved, e.g. "cut p95 latency by 40% with a Redis cache"."""

    text: str
    numbers: list[str] = Field(default_factory=list, description='figures as written: "40%", "3x", "2억"')


class Project(BaseModel):
    title: str
    period: str | None = Field(default=None, description='as written, e.g. "2022.03 – 2023.01"')
    role: str | None = None
    claims: list[Claim] = Field(default_factory=list)
    technologies: list[str] = Field(default_factory=list, description="ids of stack questions it names")


class Technology(BaseModel):
    question_id: str = Field(description="the stack question about it, e.g. stack/kubernetes")
    name: str = Field(description="as the profile writes it, e.g. k8s")


class CareerMove(BaseModel):
    """A change of company or role, e.g. from a backend team at A to an ML platform team at B in 2022."""

    from_org: str | None = None
    to_org: str
    role: str | None = None
    when: str | None = Field(default=None, description="year or date as written")


class Profile(BaseModel):
    lang: Lang = Field(description="the language most of the profile is written in")
    projects: list[Project] = Field(default_factory=list)
    technologies: list[Technology] = Field(default_factory=list)
    moves: list[CareerMove] = Field(default_factory=list)
