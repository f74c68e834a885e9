"""Extracting a profile: projects (title, period, role, claims with their figures, technologies), the
technologies the bank has stack questions about, and career moves, from a résumé in Markdown or plain text,
Korean, English or both.

Pure and deterministic: the same text and bank give the same profile, with no model and nothing read. Résumés
have no fixed layout, so this reads the layouts people use (headings, bullet lists, Markdown tables, short
title lines and prose paragraphs) and leaves out what it cannot place rather than guessing wildly.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from ..bank import Bank
from ..domain import matches_language
from .model import CareerMove, Claim, Profile, Project, Technology
from .technologies import TechFinder, finder_for

MAX_FIELD = 400  # characters kept of one title, role or claim: a line longer than this is not one of them
_SHORT_LINE = 80  # a line this short with no sentence end can be a title

# --- dates and periods ---------------------------------------------------------------------------------

_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec"  # a month's number is its place in this line
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"(?:{_YEAR}\s*년(?:\s*\d{{1,2}}\s*월)?|{_YEAR}\s*[./-]\s*\d{{1,2}}(?!\d)(?:\s*[./-]\s*\d{{1,2}}(?!\d))?\.?"
    rf"|{_MONTH_NAME}\s+{_YEAR}|{_YEAR})"
)
_NOW = r"(?:present|current|now|today|ongoing|date|현재|재직\s*중|진행\s*중|지금)"
_PERIOD = re.compile(
    rf"(?<![\w.]){_DATE}\s*(?:[–—~〜-]+|\bto\b|\buntil\b|부터)\s*(?:{_DATE}|{_NOW})(?:\s*까지)?(?![\w])",
    re.IGNORECASE,
)
_LONE_DATE = re.compile(rf"(?<![\w.]){_DATE}(?![\w])", re.IGNORECASE)
_YEAR_MONTH = re.compile(rf"({_YEAR})(?:\s*[./-]\s*(\d{{1,2}})(?!\d)|\s*년\s*(\d{{1,2}})\s*월)?")
_MONTH_YEAR = re.compile(rf"({_MONTH_NAME})\s+({_YEAR})", re.IGNORECASE)

# --- figures in a claim --------------------------------------------------------------------------------

_COUNT_UNITS = (
    r"qps|rps|tps|req/s|requests?(?:/s| per second)?|users?|customers?|models?|gpus?|nodes?|servers?|"
    r"engineers?|people|teams?|services?|pipelines?|jobs?|events?(?:/s)?|messages?(?:/s)?|rows|records|"
    r"features|experiments|clusters|tb|gb|mb|kb|pb|"
    r"명|건|개|대|회|곳|팀|종|편|장"
)
_FIGURE = re.compile(
    r"(?<![\w.])[$₩€£]?\d[\d,]*(?:\.\d+)?\s?(?:"
    r"%p?|퍼센트|percent(?![a-z])|x(?![a-z])|×|배"
    r"|(?:ms|μs|us|sec|secs|seconds?|s|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?)(?![a-z])"
    r"|초|분|시간(?:\s?\d+\s?분)?|일|주|개월"
    r"|(?:k|m|b|bn)(?![a-z])(?:\s?(?:" + _COUNT_UNITS + r")(?![a-z]))?"
    r"|(?:[십백천]?(?:억|만)|천)(?:\s?(?:원|명|건|개|달러))?"
    r"|원|달러"
    r"|(?:" + _COUNT_UNITS + r")(?![a-z])"
    r")",
    re.IGNORECASE,
)

# --- sections ------------------------------------------------------------------------------------------

SectionKind = Literal["projects", "experience", "other"]
# Names are "|"-separated: the tables stay readable in both languages.
_SECTION_NAMES: dict[SectionKind, str] = {
    "projects": "projects|project|selected projects|key projects|side projects|personal projects|"
    "project experience|notable projects|프로젝트|주요 프로젝트|프로젝트 경험|개인 프로젝트|사이드 프로젝트|"
    "수행 프로젝트|프로젝트 경력|참여 프로젝트",
    "experience": "experience|work|work experience|professional experience|employment|employment history|"
    "career|work history|career history|경력|경력 사항|경력사항|경력 요약|직장 경력|근무 경력|이력|회사 경력",
    "other": "skills|technical skills|tech stack|stack|technologies|education|summary|about|about me|profile|"
    "contact|awards|certifications|certificates|publications|talks|languages|interests|open source|"
    "activities|references|기술|기술 스택|보유 기술|스킬|학력|교육|소개|자기소개|요약|연락처|수상|수상 경력|"
    "자격증|논문|발표|활동|대외 활동|오픈소스|어학",
}
_SECTION_OF = {name: kind for kind, names in _SECTION_NAMES.items() for name in names.split("|")}
_PROJECT_WORD = re.compile(r"\bproject\b|프로젝트", re.IGNORECASE)

# --- lines ---------------------------------------------------------------------------------------------

LineKind = Literal["heading", "bullet", "table", "text", "blank"]
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•·▪◦‣○●■□▶►–]|\d{1,2}[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_DECOR = re.compile(r"^[\s#*_=\-–—~■□▶►●○◆◇【】\[\]<>()0-9.:)]+|[\s*_=\-–—~■□▶►●○◆◇【】\[\]<>():]+$")

# --- inline text ---------------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_BOLD_LEAD = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*[:：—–-]?\s*(.*)$")
_LABEL_KIND = {
    name: kind
    for kind, names in {
        "role": "role|position|title|역할|담당|직무|직책|직위|포지션",
        "period": "period|date|dates|duration|when|기간|일자",
        "stack": "stack|tech|technologies|tech stack|technologies stack|tools|기술|기술 스택|사용 기술|스택",
        "org": "company|organisation|organization|employer|회사|회사명|소속",
    }.items()
    for name in names.split("|")
}
# A line or column that says what it holds, "Role: lead", "기간: 2021 – 2022": the names above, longest first.
_LABEL = re.compile(
    r"^\s*("
    + "|".join(re.escape(name) for name in sorted(_LABEL_KIND, key=len, reverse=True))
    + r")\s*[:：]\s*(.+)$",
    re.IGNORECASE,
)
_ROLE_AS = re.compile(
    r"\bas (?:the |a |an |our )?((?:[\w/+-]+ ){0,3}(?:engineer|developer|lead|owner|architect|scientist|"
    r"manager|researcher|maintainer|contributor|intern|consultant|sre))\b",
    re.IGNORECASE,
)
_ROLE_KO = re.compile(r"([\w/+ ]{2,24}?)\s*(?:역할을 맡|을 맡아|를 맡아|(?:으)?로서|(?:으)?로 참여)")
_ROLE_WORD = re.compile(
    r"\b(?:engineer|developer|scientist|researcher|architect|lead|manager|intern|director|head of|cto|vp|"
    r"sre|mle|mlse|swe|analyst|consultant|programmer|founder|co-founder|devops)s?\b|"
    r"엔지니어|개발자|연구원|리드|팀장|인턴|매니저|과학자|아키텍트|파트장|실장|CTO|창업",
    re.IGNORECASE,
)
_TEAM = re.compile(r"(?:\bteam|\bgroup|\bsquad|팀|그룹|파트|본부|실)$", re.IGNORECASE)
_HEADER_SPLIT = re.compile(r"\s+[|—–·•/]\s+|\s*\|\s*|\s+-\s+|,\s+|\s+at\s+|\s*@\s*|\s{2,}")
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;]?\s*\)|\[\s*\]|（\s*）")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+(?=\S)")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "resp.", "Inc.", "Co.", "Ltd.", "Corp.")
_WORDS = re.compile(r"[^\W\d_]{2,}")
_TITLE_EN = re.compile(
    r"\b(?:built|build|building|led|designed|developed|created|launched|shipped|migrated|rebuilt|"
    r"wrote|owned|ran|introduced|implemented|redesigned|rewrote)\s+(?:a |an |the |our |my )?"
    r"(.{3,60}?)(?=\s+(?:for|at|with|that|which|to|in|on|from|using|as|by|and|so)\b|[,.;:(]|$)",
    re.IGNORECASE,
)
_TITLE_KO = re.compile(
    r"([^.,。]{2,40}?)\s*(?:을|를)\s*(?:[^\s.,]+\s+){0,2}?(?:구축|개발|설계|만들|도입|이끌|리드|전환|마이그레이션|재설계|운영)"
)
_TITLED = re.compile(r"^([^.!?:：]{2,60}?)\s*(?:[:：]|\s[—–]\s|\s-\s)\s*(.+)$")
_KO_PARTICLES = ("에서", "의", "에", "은", "는", "이", "가", "을", "를", "고", "며", "서", "와", "과")
_TIME_LEAD = re.compile(
    rf"^(?:{_YEAR}\s*년(?:\s*\d{{1,2}}\s*월)?(?:부터는|부터|에는|엔|에)?|in {_YEAR},?|\S+에서)\s*"
)


@dataclass
class _Line:
    kind: LineKind
    text: str  # without the bullet, heading marks or indentation; inline Markdown still in
    indent: int = 0
    level: int = 0  # headings only: 1 for the top level


@dataclass
class _Item:
    """One project or one job: a header (heading, title line, first bullet; None for a prose paragraph) and
    the lines under it, or a table row by column kind."""

    header: str | None
    body: list[_Line] = field(default_factory=list)
    row: dict[str, str] | None = None


@dataclass
class _Job:
    org: str | None
    role: str | None
    start: str | None
    key: tuple[int, int] | None


def extract(text: str, bank: Bank) -> Profile:
    """The profile a résumé describes, with technologies limited to those the bank's stack questions cover."""
    finder = finder_for(bank)
    lines = _lines(text)
    sections = _sections(lines)
    projects: list[Project] = []
    jobs: list[tuple[_Job, _Item]] = []
    for kind, body in sections:
        items = _items(body)
        if kind == "projects":
            projects.extend(p for p in (_project(item, finder) for item in items) if p is not None)
        elif kind == "experience":
            jobs.extend((_job(item), item) for item in items)
    if not projects:
        # Many résumés list what was done under each job instead of in a projects section.
        projects = [
            p for _, item in jobs if item.body and (p := _project(item, finder, split=False)) is not None
        ]
    return Profile(
        # With no letters at all, matches_language says yes to Korean: English is the default instead.
        lang="ko" if _WORDS.search(text) and matches_language(text, "ko") else "en",
        projects=projects,
        technologies=[Technology(question_id=qid, name=name) for qid, name in finder.first_mentions(text)],
        moves=_moves([job for job, _ in jobs]),
    )


# --- lines and sections --------------------------------------------------------------------------------


def _lines(text: str) -> list[_Line]:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").split("\n")
    out: list[_Line] = []
    for i, line in enumerate(raw):
        if not line.strip():
            out.append(_Line("blank", ""))
            continue
        if m := _ATX.match(line):
            out.append(_Line("heading", m.group(2), level=len(m.group(1))))
            continue
        if m := _SETEXT.match(line):
            if out and out[-1].kind == "text" and (i == 0 or raw[i - 1].strip()):
                previous = out.pop()
                out.append(_Line("heading", previous.text, level=1 if m.group(1)[0] == "=" else 2))
            continue  # a horizontal rule otherwise: nothing to read
        stripped = line.strip()
        if stripped.startswith("|") or (_TABLE_RULE.match(line) and "|" in line):
            out.append(_Line("table", stripped))
            continue
        kind = _section_kind(stripped) if len(stripped) <= 40 else None
        if kind is not None:
            # A section name alone on a line ("EXPERIENCE", "■ 경력사항", "[프로젝트]") is a heading in plain
            # text and in a PDF's text.
            out.append(_Line("heading", stripped, level=2))
            continue
        if m := _BULLET.match(line):
            out.append(_Line("bullet", m.group(2).strip(), indent=len(m.group(1))))
            continue
        indent = len(line) - len(line.lstrip())
        out.append(_Line("text", stripped, indent=indent))
    return out


def _section_kind(heading: str) -> SectionKind | None:
    plain = _DECOR.sub("", _inline(heading)).casefold()
    for part in re.split(r"\s*[/|()（）·]\s*|\s+&\s+|\s+and\s+", plain):
        part = part.strip(" :：")
        if part in _SECTION_OF:
            return _SECTION_OF[part]
        # "Open source projects", "ML 플랫폼 프로젝트": a few words naming a kind of projects.
        if re.fullmatch(r"(?:\S+ ){1,3}(?:projects|프로젝트)", part):
            return "projects"
    return None


def _sections(lines: list[_Line]) -> list[tuple[SectionKind, list[_Line]]]:
    """Each run of lines under a section heading, by kind; headings deeper than the section's stay in its
    body. A heading that names a project outside any projects section is a projects section of one."""
    sections: list[tuple[SectionKind, list[_Line]]] = []
    kind: SectionKind = "other"
    level = 0
    body: list[_Line] = []
    for line in lines:
        if line.kind == "heading":
            named = _section_kind(line.text)
            if named is not None or line.level <= level or kind == "other":
                sections.append((kind, body))
                if named is None and kind != "projects" and _PROJECT_WORD.search(line.text):
                    kind, level, body = "projects", line.level - 1, [line]
                    continue
                kind, level, body = named or "other", line.level, []
                continue
        body.append(line)
    sections.append((kind, body))
    return [(k, b) for k, b in sections if k != "other" and b]


def _items(lines: list[_Line]) -> list[_Item]:
    """The entries of a section: one per subheading, per table row, per title line or top-level bullet with
    the lines under it, or per prose paragraph."""
    items: list[_Item] = []
    run: list[_Line] = []
    current: _Item | None = None
    for line in lines:
        if line.kind == "heading":
            if current is not None:
                current.body.extend(run)
            else:
                items.extend(_run_items(run))
            run = []
            current = _Item(line.text)
            items.append(current)
        else:
            run.append(line)
    if current is not None:
        current.body.extend(run)
    else:
        items.extend(_run_items(run))
    return items


def _run_items(lines: list[_Line]) -> list[_Item]:
    items: list[_Item] = []
    for block in _blocks(lines):
        if block[0].kind == "table":
            items.extend(_table_items(block))
            continue
        bullets = [line for line in block if line.kind == "bullet"]
        first = block[0]
        if first.kind == "text" and _is_dated_title(first.text):
            # A dated line per job or project, "Senior MLE at Foo, Mar 2021 – present", and what follows it.
            for line in block:
                if line.kind == "text" and _is_dated_title(line.text):
                    items.append(_Item(line.text))
                else:
                    items[-1].body.append(line)
        elif first.kind == "text" and len(block) == 1 and _TITLED.match(_inline(first.text)):
            items.append(_Item(first.text))  # "Title — what was done", on one line
        elif first.kind == "text" and (bullets or (len(block) > 1 and _is_title(first.text))):
            # Title lines with their bullets, one after another with no blank line between them.
            for i, line in enumerate(block):
                after_list = i > 0 and block[i - 1].kind == "bullet" and line.indent == 0
                if i == 0 or (line.kind == "text" and after_list and _is_title(line.text)):
                    items.append(_Item(line.text))
                else:
                    items[-1].body.append(line)
        elif first.kind == "bullet":
            top = min(line.indent for line in bullets)
            for line in block:
                if line.kind == "bullet" and line.indent == top:
                    items.append(_Item(line.text))
                elif items:
                    items[-1].body.append(line)
        else:
            items.append(_Item(None, block))
    return items


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of lines between blank lines and around tables; a lone title line joins the list under it."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        table_edge = bool(current) and (line.kind == "table") != (current[-1].kind == "table")
        boundary = line.kind == "blank" or table_edge
        if boundary and current:
            blocks.append(current)
            current = []
        if line.kind != "blank":
            current.append(line)
    if current:
        blocks.append(current)
    merged: list[list[_Line]] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and len(previous) == 1
            and previous[0].kind == "text"
            and _is_title(previous[0].text)
            and block[0].kind in ("bullet", "text")
        ):
            previous.extend(block)
        else:
            merged.append(block)
    return merged


def _is_dated_title(text: str) -> bool:
    m = _PERIOD.search(text)
    return m is not None and _is_title(text[: m.start()] + text[m.end() :])


def _is_title(text: str) -> bool:
    plain = _inline(text).strip()
    return 0 < len(plain) <= _SHORT_LINE and not plain.endswith((".", "다", "요", "!", "?", ":"))


def _table_items(block: list[_Line]) -> list[_Item]:
    rows = [_cells(line.text) for line in block if not _TABLE_RULE.match(line.text)]
    if len(rows) < 2:
        return []
    header = [_column_kind(cell) for cell in rows[0]]
    if "title" not in header and "org" not in header:
        header[0] = "title"
    items = []
    for cells in rows[1:]:
        row: dict[str, str] = {}
        for kind, cell in zip(header, cells, strict=False):
            if cell.strip():
                row[kind] = f"{row[kind]}<br>{cell}" if kind in row else cell
        if row:
            items.append(_Item(row.get("title") or row.get("org"), row=row))
    return items


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


_COLUMNS = {
    "title": "project|projects|name|title|프로젝트|프로젝트명|이름|과제|과제명",
    "period": "period|date|dates|when|duration|years|기간|일자|시기|연도",
    "role": "role|position|역할|담당|직무|직책|직위|포지션",
    "stack": "stack|tech|technologies|tech stack|tools|기술|사용 기술|기술 스택|스택",
    "org": "company|organisation|organization|employer|회사|회사명|소속|기관",
}
_COLUMN_OF = {name: kind for kind, names in _COLUMNS.items() for name in names.split("|")}


def _column_kind(cell: str) -> str:
    return _COLUMN_OF.get(_inline(cell).strip(" :").casefold(), "claims")


# --- projects ------------------------------------------------------------------------------------------


def _project(item: _Item, finder: TechFinder, split: bool = True) -> Project | None:
    """A project from an entry; `split` reads "Title: what was done" in a title line (not in a job's, where
    the parts are the company and the role)."""
    title: str | None = None
    period: str | None = None
    role: str | None = None
    claims: list[str] = []
    texts: list[str] = []  # everything the project says, for its technologies
    if item.row is not None:
        title = _inline(item.row.get("title", ""))
        period = _clean(item.row.get("period", "")) or None
        role = _clean(item.row.get("role", "")) or None
        for part in re.split(r"<br\s*/?>|;\s+", item.row.get("claims", "")):
            claims.extend(_sentences(_inline(part)))
        texts.extend(item.row.values())
    else:
        header = item.header
        if header is not None:
            texts.append(header)
            lead = _BOLD_LEAD.match(header) if split else None
            if lead:
                title, period = _take_period(_inline(lead.group(1)))
                rest, found = _take_period(_inline(lead.group(2)))
                period = period or found
            else:
                text, period = _take_period(_strip_prefix(_inline(header)))
                text, labels = _take_labels(text)
                role = labels.get("role")
                period = period or labels.get("period")
                title, rest = _split_title(text) if split else (text, "")
            label = _label(rest)
            if label and label[0] == "role":
                role = label[1]
            elif len(_WORDS.findall(rest)) >= 3 or _FIGURE.search(rest):
                claims.extend(_sentences(rest))
        body_period, body_role, body_claims = _read_body(item.body, texts)
        period = period or body_period
        role = role or body_role
        claims.extend(body_claims)
        if title is None:
            paragraph = " ".join(claims)
            title = _prose_title(paragraph)
    title = _clip(_strip_prefix(_clean(title or "")))
    if not title:
        return None
    if period is None:
        period = next((m.group() for text in (title, *claims) if (m := _PERIOD.search(text))), None)
    if role is None:
        role = _role_in(claims)
    return Project(
        title=title,
        period=_clean(period) if period else None,
        role=_clip(role) if role else None,
        claims=[Claim(text=_clip(c), numbers=_figures(c)) for c in claims if not _is_fragment(c)],
        technologies=finder.ids([title, *texts, *claims]),
    )


def _read_body(body: list[_Line], texts: list[str]) -> tuple[str | None, str | None, list[str]]:
    """The period, role and claims in the lines under a title: labelled lines give the first two, each
    bullet is a claim (with the lines that continue it), each sentence of prose is one."""
    period: str | None = None
    role: str | None = None
    claims: list[str] = []
    paragraph: list[str] = []
    bullet: list[str] = []

    def flush() -> None:
        if bullet:
            claims.append(" ".join(bullet))
            bullet.clear()
        if paragraph:
            claims.extend(_sentences(" ".join(paragraph)))
            paragraph.clear()

    for line in body:
        text = _inline(line.text)
        texts.append(text)
        if label := _label(text):
            flush()
            kind, value = label
            if kind == "role":
                role = role or value
            elif kind == "period":
                period = period or value
            continue
        if line.kind == "bullet":
            flush()
            bullet.append(text)
        elif line.kind == "text" and bullet and line.indent > 0:
            bullet.append(text)
        elif line.kind in ("text", "table"):
            if bullet:
                flush()
            if period is None and (found := _PERIOD.fullmatch(text.strip(" ()[]"))):
                period = found.group()
                continue
            paragraph.append(text)
    flush()
    return period, role, claims


def _label(text: str) -> tuple[str, str] | None:
    """(kind, value) of a labelled line or column, "Role: lead": kind "role", value "lead"."""
    m = _LABEL.match(text)
    # No kind when the match is only a case-insensitive one of Unicode's: "tıtle" (dotless ı) matches "title".
    kind = _LABEL_KIND.get(m.group(1).casefold()) if m else None
    return (kind, _clean(m.group(2))) if m and kind else None


def _take_labels(header: str) -> tuple[str, dict[str, str]]:
    """A title line in columns, "Feature store | Role: lead | 2021": the labelled columns by kind, and the
    line without them."""
    if "|" not in header:
        return header, {}
    kept: list[str] = []
    labels: dict[str, str] = {}
    for part in header.split("|"):
        if label := _label(part):
            labels.setdefault(*label)
        elif part.strip():
            kept.append(part.strip())
    return " | ".join(kept), labels


def _split_title(header: str) -> tuple[str, str]:
    """A title line may go on to say what was done: "Feature store: cut p95 by 40%"."""
    m = _TITLED.match(header)
    if m and not _PERIOD.fullmatch(m.group(2).strip(" ()")) and not _LABEL.match(header):
        return m.group(1), m.group(2)
    if len(header) > _SHORT_LINE:
        return _prose_title(header), header
    return header, ""


def _prose_title(paragraph: str) -> str:
    """A name for a project told in prose: what was built or led, else the start of the first sentence."""
    first = _sentences(paragraph)[0] if paragraph.strip() else ""
    for pattern in (_TITLE_EN, _TITLE_KO):
        if m := pattern.search(first):
            title = m.group(1).strip()
            while (shorter := _TIME_LEAD.sub("", title, count=1)) != title:
                title = shorter
            return title.strip()
    words = first.split()
    return " ".join(words[:8]).rstrip(".,;:") + (" …" if len(words) > 8 else "")


def _take_period(text: str) -> tuple[str, str | None]:
    """The text without its period, and the period; a lone date counts only in a short line, where it dates
    the line rather than telling something that happened in that year."""
    m = _PERIOD.search(text) or (_LONE_DATE.search(text) if len(text) <= _SHORT_LINE else None)
    if m is None:
        return text, None
    rest = _EMPTY_BRACKETS.sub("", text[: m.start()] + text[m.end() :])
    return rest.strip(" ,|—–-:·•"), m.group()


def _strip_prefix(title: str) -> str:
    return re.sub(r"^(?:project|프로젝트)\s*[:：\-—–]\s*", "", title, flags=re.IGNORECASE)


def _role_in(claims: list[str]) -> str | None:
    for claim in claims:
        if m := _ROLE_AS.search(claim):
            return m.group(1)
        if (m := _ROLE_KO.search(claim)) and _ROLE_WORD.search(m.group(1)):
            # The match starts at the clause; the role is the last few words, after any that end a phrase.
            words = m.group(1).split()
            keep: list[str] = []
            for word in reversed(words[-3:]):
                if word.endswith(_KO_PARTICLES):
                    break
                keep.insert(0, word)
            return " ".join(keep) or None
    return None


def _is_fragment(text: str) -> bool:
    """Too little to be a claim: a label, a date, a word or two."""
    return len(_WORDS.findall(_PERIOD.sub("", text))) < 2 and not _FIGURE.search(text)


def _figures(text: str) -> list[str]:
    out: list[str] = []
    for m in _FIGURE.finditer(text):
        figure = m.group().strip()
        if figure not in out:
            out.append(figure)
    return out


def _sentences(text: str) -> list[str]:
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and out[-1].endswith(_ABBREVIATIONS):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


# --- career moves --------------------------------------------------------------------------------------


def _job(item: _Item) -> _Job:
    org: str | None = None
    role: str | None = None
    period: str | None = None
    if item.row is not None:
        org = _clean(item.row.get("org") or item.row.get("title") or "") or None
        role = _clean(item.row.get("role", "")) or None
        period = _clean(item.row.get("period", "")) or None
    if item.header is not None and item.row is None:
        header, period = _take_period(_inline(item.header))
        org, role = _org_and_role(header)
    # A job's title line often leaves the role or the dates to the line under it.
    for line in item.body[:3]:
        text = _inline(line.text)
        if label := _label(text):
            kind, value = label
            if kind == "role":
                role = role or value
            elif kind == "org":
                org = org or value
            elif kind == "period":
                period = period or value
            continue
        if line.kind != "text":
            continue
        rest, found = _take_period(text)
        if found and period is None:
            period = found
        if len(rest) <= _SHORT_LINE and (org is None or role is None):
            more_org, more_role = _org_and_role(rest)
            org, role = org or more_org, role or more_role
    first_date = _LONE_DATE.search(period) if period else None
    start = first_date.group() if first_date else None
    return _Job(
        org=_clip(org) if org else None,
        role=_clip(role) if role else None,
        start=_clean(start) if start else None,
        key=_date_key(start) if start else None,
    )


def _org_and_role(header: str) -> tuple[str | None, str | None]:
    org: str | None = None
    role: str | None = None
    team: str | None = None
    lead = re.match(r"^\s*(.+?)\s+(?:at|@)\s+(.+)$", header)
    parts = [lead.group(1), lead.group(2)] if lead else _HEADER_SPLIT.split(header)
    for part in parts:
        part = _clean(part).strip(" ()[],|")
        if not part or not _WORDS.search(part):
            continue
        if _ROLE_WORD.search(part):
            role = role or part
        elif _TEAM.search(part):
            team = team or part
        else:
            org = org or part
    return org or team, role


def _date_key(date: str) -> tuple[int, int]:
    if m := _MONTH_YEAR.search(date):
        return int(m.group(2)), _MONTHS.index(m.group(1)[:3].casefold()) // 4 + 1
    m = _YEAR_MONTH.search(date)
    if m is None:
        return 0, 0
    month = m.group(2) or m.group(3)
    return int(m.group(1)), int(month) if month else 0


def _moves(jobs: list[_Job]) -> list[CareerMove]:
    """Each change from one job to the next, in time order; a job with no date cannot be placed in it."""
    placed = sorted((j for j in jobs if j.key is not None and j.org), key=lambda j: j.key or (0, 0))
    moves = []
    for before, after in itertools.pairwise(placed):
        if after.org is None or (before.org == after.org and before.role == after.role):
            continue
        moves.append(CareerMove(from_org=before.org, to_org=after.org, role=after.role, when=after.start))
    return moves


# --- text ----------------------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """Markdown inline markup removed: links keep their text, emphasis and code their content."""
    text = _LINK.sub(r"\1", text)
    for _ in range(2):  # **bold with *emphasis* inside**
        text = _EMPHASIS.sub(r"\2", text)
    return text.replace("\\|", "|").strip()


def _clean(text: str) -> str:
    return " ".join(_inline(text).split()).strip(" ,;|·•")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1].rstrip() + "…"
