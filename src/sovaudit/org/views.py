"""What the history says: the organisation as of a time, one repository's scans, what changed.

"As of T" is, for each repository, its latest successful scan at or before T (and its latest
attempt, which may have failed since). Home jurisdictions are the scans' own: each repository's
home, as ``org scan --home`` or its config file set it, judged by sovaudit itself
(``assessment.home`` of the document). A repository without a home has no "foreign" and no "data
leaving home": the report says so rather than guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from sovaudit.org import db
from sovaudit.org.sources import slug

#: display order of the layers (``sovaudit.model.LAYERS``)
LAYERS = ("hardware", "cloud", "inference-provider", "model", "software")
SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Attempt:
    scan_id: int
    status: str  # ok | failed
    failure: str
    reason: str
    commit: str
    scanned_at: dt.datetime
    tool_version: str
    rules_version: str
    home: str
    references: int
    findings: int


@dataclass(frozen=True, slots=True)
class Cell:
    layer: str
    jurisdiction: str
    kinds: tuple[str, ...]
    orders: tuple[str, ...]
    references: int
    files: int
    relation: str  # domestic | foreign | unknown | "" (no home)


@dataclass(frozen=True, slots=True)
class RepoState:
    id: int
    key: str
    name: str
    slug: str
    latest: Attempt  # the latest attempt (ok or failed)
    good: Attempt | None  # the latest successful scan; None: never audited successfully
    cells: tuple[Cell, ...] = ()
    findings: tuple[tuple[str, int], ...] = ()  # (severity, count), SEVERITIES order
    data_leaves: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (layer, jurisdiction, parties)
    foreign: tuple[tuple[str, str, str], ...] = ()  # (layer, jurisdiction, party) supply or data abroad


@dataclass(frozen=True, slots=True)
class Shared:
    party: str
    jurisdiction: str
    layers: tuple[str, ...]
    repositories: tuple[str, ...]  # names


@dataclass(frozen=True, slots=True)
class TrendPoint:
    run_id: int
    at: dt.datetime
    repositories: int  # with a successful scan as of then
    data_leaves: int  # of them, with data leaving home
    severe: int  # of them, with a high or critical finding
    by_jurisdiction: tuple[tuple[str, int], ...]  # (jurisdiction, repositories exposed to it)


@dataclass(frozen=True, slots=True)
class OrgView:
    as_of: dt.datetime | None  # the latest scan's time (None: an empty history)
    repos: tuple[RepoState, ...]
    columns: tuple[tuple[str, tuple[str, ...]], ...]  # (layer, jurisdictions in it across repos)
    shared: tuple[Shared, ...]
    homes: tuple[str, ...]  # the home jurisdictions of the repositories ("" for none)
    trend: tuple[TrendPoint, ...] = field(default=())


def _attempt(r: object) -> Attempt:
    return Attempt(scan_id=r.id, status=r.status, failure=r.failure, reason=r.reason,  # type: ignore[attr-defined]
                   commit=r.commit_sha, scanned_at=db.utc(r.scanned_at), tool_version=r.tool_version,  # type: ignore[attr-defined]
                   rules_version=r.rules_version, home=r.home, references=r.n_references,  # type: ignore[attr-defined]
                   findings=r.n_findings)  # type: ignore[attr-defined]


def _latest(conn: Connection, as_of: dt.datetime | None, ok_only: bool) -> dict[int, Attempt]:
    s = db.scans.c
    q = select(func.max(s.id)).group_by(s.repository_id)
    if ok_only:
        q = q.where(s.status == "ok")
    if as_of is not None:
        q = q.where(s.scanned_at <= as_of)
    ids = [i for (i,) in conn.execute(q)]
    out: dict[int, Attempt] = {}
    for i in range(0, len(ids), 500):
        for r in conn.execute(select(db.scans).where(s.id.in_(ids[i:i + 500]))):
            out[r.repository_id] = _attempt(r)
    return out


def _relation(home: str, jurisdiction: str, orders: tuple[str, ...]) -> str:
    if not home:
        return ""
    if jurisdiction == "unknown":
        return "unknown"
    return "domestic" if jurisdiction == home or home in orders else "foreign"


def _by_scan(conn: Connection, table: object, scan_ids: list[int], *cols: str) -> dict[int, list[tuple[object, ...]]]:
    t = table.c  # type: ignore[attr-defined]
    out: dict[int, list[tuple[object, ...]]] = defaultdict(list)
    for i in range(0, len(scan_ids), 500):
        q = select(t.scan_id, *[t[c] for c in cols]).where(t.scan_id.in_(scan_ids[i:i + 500])).order_by(t.id)
        for row in conn.execute(q):
            out[row[0]].append(tuple(row[1:]))
    return out


def states(conn: Connection, as_of: dt.datetime | None = None) -> list[RepoState]:
    """Every repository with a scan at or before ``as_of`` (default: now), by name then key."""
    latest = _latest(conn, as_of, ok_only=False)
    good = _latest(conn, as_of, ok_only=True)
    repos = {r.id: r for r in conn.execute(select(db.repositories).where(db.repositories.c.id.in_(list(latest))))} \
        if latest else {}
    ids = [a.scan_id for a in good.values()]
    jur = _by_scan(conn, db.jurisdictions, ids, "layer", "jurisdiction", "kinds", "orders", "n_references", "files")
    sev = _by_scan(conn, db.findings, ids, "severity", "suppressed", "baselined")
    home = _by_scan(conn, db.home_items, ids, "layer", "relation", "jurisdiction", "party")
    out = []
    for rid, attempt in latest.items():
        r = repos[rid]
        g = good.get(rid)
        cells: list[Cell] = []
        counts: dict[str, int] = {}
        leaves: dict[tuple[str, str], list[str]] = defaultdict(list)
        foreign: set[tuple[str, str, str]] = set()
        if g is not None:
            for layer, j, kinds, orders, refs, files in jur.get(g.scan_id, ()):
                ords = tuple(x for x in str(orders).split(",") if x)
                cells.append(Cell(str(layer), str(j), tuple(x for x in str(kinds).split(",") if x), ords, int(refs),  # type: ignore[call-overload]
                                  int(files), _relation(g.home, str(j), ords)))  # type: ignore[call-overload]
            for severity, suppressed, baselined in sev.get(g.scan_id, ()):
                if not suppressed and not baselined:
                    counts[str(severity)] = counts.get(str(severity), 0) + 1
            for layer, rel, j, party in home.get(g.scan_id, ()):
                if rel == "data_leaves":
                    leaves[(str(layer), str(j))].append(str(party))
                if rel in ("foreign", "data_leaves", "supply_abroad", "foreign_control") and j != "unknown":
                    foreign.add((str(layer), str(j), str(party)))
        out.append(RepoState(
            id=rid, key=r.key, name=r.name, slug=slug(r.key, r.name), latest=attempt, good=g,
            cells=tuple(sorted(cells, key=lambda c: (LAYERS.index(c.layer) if c.layer in LAYERS else 99, c.jurisdiction))),
            findings=tuple((s, counts[s]) for s in SEVERITIES if counts.get(s)),
            data_leaves=tuple((layer, j, tuple(sorted(set(p)))) for (layer, j), p in sorted(leaves.items())),
            foreign=tuple(sorted(foreign))))
    return sorted(out, key=lambda s: (s.name.lower(), s.key))


def org_view(conn: Connection, trend_runs: int = 30) -> OrgView:
    repos = states(conn)
    cols: dict[str, dict[str, int]] = {layer: {} for layer in LAYERS}
    for st in repos:
        for c in st.cells:
            cols.setdefault(c.layer, {})
            cols[c.layer][c.jurisdiction] = cols[c.layer].get(c.jurisdiction, 0) + 1
    columns = tuple((layer, tuple(j for j, _n in sorted(js.items(), key=lambda kv: (-kv[1], kv[0]))))
                    for layer, js in cols.items() if js)
    shared: dict[tuple[str, str], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for st in repos:
        for layer, j, party in st.foreign:
            layers, names = shared[(party, j)]
            layers.add(layer)
            names.add(st.name)
    shared_list = tuple(Shared(p, j, tuple(sorted(ls, key=lambda x: LAYERS.index(x) if x in LAYERS else 99)), tuple(sorted(ns)))
                        for (p, j), (ls, ns) in sorted(shared.items(), key=lambda kv: (-len(kv[1][1]), kv[0])))
    as_of = max((st.latest.scanned_at for st in repos), default=None)
    homes = tuple(sorted({st.good.home for st in repos if st.good is not None}))
    return OrgView(as_of=as_of, repos=tuple(repos), columns=columns, shared=shared_list, homes=homes,
                   trend=trend(conn, trend_runs))


def trend(conn: Connection, last: int = 30) -> tuple[TrendPoint, ...]:
    """The organisation as of the end of each of the last ``last`` runs."""
    r = db.runs.c
    runs = conn.execute(select(r.id, r.started_at, r.finished_at).order_by(r.id.desc()).limit(last)).all()
    points = []
    for run_id, started, finished in reversed(runs):
        at = db.utc(finished or started)
        if finished is None:  # still going or killed: its scans so far
            last_scan = conn.execute(select(func.max(db.scans.c.scanned_at)).where(db.scans.c.run_id == run_id)).scalar()
            at = db.utc(last_scan) if last_scan is not None else at
        sts = [s for s in states(conn, as_of=at) if s.good is not None]
        by_j: dict[str, int] = {}
        for s in sts:
            for j in {c.jurisdiction for c in s.cells}:
                by_j[j] = by_j.get(j, 0) + 1
        points.append(TrendPoint(
            run_id=run_id, at=at, repositories=len(sts), data_leaves=sum(1 for s in sts if s.data_leaves),
            severe=sum(1 for s in sts if any(sev in ("critical", "high") for sev, _n in s.findings)),
            by_jurisdiction=tuple(sorted(by_j.items()))))
    return tuple(points)


# -- one repository -------------------------------------------------------------------------------

class NotFound(Exception):
    pass


def find_repository(conn: Connection, text: str) -> tuple[int, str, str]:
    """(id, key, name) of the repository ``text`` names: its key, a path that resolves to its key,
    or its name if only one has it."""
    from sovaudit.org.sources import source

    r = db.repositories.c
    for key in (text, source(text).key):
        row = conn.execute(select(r.id, r.key, r.name).where(r.key == key)).first()
        if row is not None:
            return row.id, row.key, row.name
    rows = conn.execute(select(r.id, r.key, r.name).where(r.name == text).order_by(r.key)).all()
    if len(rows) == 1:
        return rows[0].id, rows[0].key, rows[0].name
    if rows:
        raise NotFound(f"{len(rows)} repositories are called {text!r}; give one of: " + ", ".join(x.key for x in rows))
    raise NotFound(f"no repository {text!r} in this database")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    attempt: Attempt
    run_id: int
    added: tuple[tuple[str, str], ...]  # (layer, jurisdiction) not in the previous successful scan
    removed: tuple[tuple[str, str], ...]


def history(conn: Connection, repo_id: int) -> list[HistoryEntry]:
    """Every scan of the repository, oldest first, each with the layer x jurisdiction pairs it
    adds or drops against the successful scan before it."""
    s = db.scans.c
    scans = conn.execute(select(db.scans).where(s.repository_id == repo_id).order_by(s.id)).all()
    jur = _by_scan(conn, db.jurisdictions, [x.id for x in scans if x.status == "ok"], "layer", "jurisdiction")
    out = []
    prev: set[tuple[str, str]] | None = None
    for x in scans:
        a = _attempt(x)
        added: tuple[tuple[str, str], ...] = ()
        removed: tuple[tuple[str, str], ...] = ()
        if x.status == "ok":
            now = {(str(layer), str(j)) for layer, j in jur.get(x.id, ())}
            if prev is not None:
                added, removed = tuple(sorted(now - prev)), tuple(sorted(prev - now))
            prev = now
        out.append(HistoryEntry(a, x.run_id, added, removed))
    return out


# -- what changed since a time ------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)\s*([dhw])$")


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """``2026-05-01``, ``2026-05-01T12:00``, ``2026-05-01T12:00+02:00``, or ``7d`` / ``12h`` / ``2w``
    ago; a time without a zone is UTC. ValueError otherwise."""
    now = now or dt.datetime.now(dt.timezone.utc)
    m = _RELATIVE.match(text.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n), "w": dt.timedelta(weeks=n)}[unit]
    t = dt.datetime.fromisoformat(text.strip())
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class RepoChange:
    name: str
    key: str
    status: str  # new | changed | now-failing | gone-from-history (never: rows are kept) ...
    before_commit: str
    after_commit: str
    added: tuple[tuple[str, str, str, str], ...]  # (layer, kind, jurisdiction, entity)
    removed: tuple[tuple[str, str, str, str], ...]
    failure: str = ""


def diff(conn: Connection, since: dt.datetime) -> list[RepoChange]:
    """Per repository, the exposures (layer, kind, jurisdiction, entity) its latest successful
    scan has that the one as of ``since`` had not, and the reverse; repositories first audited
    since then are "new"; those whose latest attempt failed since then are "now-failing"."""
    before = {s.id: s for s in states(conn, as_of=since)}
    after = states(conn)
    ids = [s.good.scan_id for s in after if s.good] + [s.good.scan_id for s in before.values() if s.good]
    exp = _by_scan(conn, db.exposures, sorted(set(ids)), "layer", "kind", "jurisdiction", "entity")
    out = []
    for st in after:
        old = before.get(st.id)
        now_set = {tuple(map(str, e)) for e in exp.get(st.good.scan_id, ())} if st.good else set()
        old_set = {tuple(map(str, e)) for e in exp.get(old.good.scan_id, ())} if old and old.good else set()
        failing = st.latest.status == "failed" and st.latest.scanned_at > since
        if failing:
            status = "now-failing"
        elif old is None or old.good is None:
            if st.good is None:
                continue
            status = "new"
        elif now_set != old_set or (st.good and st.good.commit != old.good.commit):
            status = "changed"
        else:
            continue
        out.append(RepoChange(
            name=st.name, key=st.key, status=status,
            before_commit=old.good.commit if old and old.good else "",
            after_commit=st.good.commit if st.good else "",
            added=tuple(sorted(now_set - old_set)), removed=tuple(sorted(old_set - now_set)),  # type: ignore[arg-type]
            failure=f"{st.latest.failure}: {st.latest.reason}" if failing else ""))
    return out
