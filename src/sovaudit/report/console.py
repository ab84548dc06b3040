"""Terminal output with rich: the scan summary, the progress bar, rule listings."""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sovaudit.model import UNKNOWN, Context, Kind, ScanResult

#: Scans with fewer files than this finish too fast for a progress bar to help.
PROGRESS_MIN_FILES = 300


class ScanProgress:
    """A transient progress bar on standard error, only on a terminal and only for long scans."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> ScanProgress:
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN_FILES:
            return
        if self._progress is None:
            self._progress = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("scan", total=total)
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()


def _where(paths: list[str], limit: int = 2) -> str:
    uniq = sorted(set(paths))
    s = ", ".join(uniq[:limit])
    return s + (f" (+{len(uniq) - limit})" if len(uniq) > limit else "")


#: Rows per table in the default summary; ``--verbose`` prints them all.
TOP = 10
#: Jurisdictions per layer in the default exposure table.
TOP_JURISDICTIONS = 4
MORE_HINT = "sovaudit scan --verbose, or the HTML and JSON reports"
TITLES = {Kind.MODEL: "Models", Kind.ENDPOINT: "Inference endpoints", Kind.CLOUD: "Clouds and regions",
          Kind.HARDWARE: "Hardware", Kind.PACKAGE: "Packages"}


def _console(err: bool) -> Console:
    """The summary's console: colour and the terminal's width on a terminal; on a pipe or a CI log
    plain text, ``COLUMNS`` wide (80 unless set), never re-wrapped by the reader."""
    return Console(stderr=err, highlight=False)


def _grid(con: Console, title: str, columns: list[tuple[str, Any]], rows: list[list[Any]], caption: str = "") -> None:
    """A compact table that fits the console's width with one line per row: ``columns`` are
    (header, how): "num" (right-aligned), an int (a fixed column, at most that wide) or a float
    (a flexible column's share of what the fixed ones leave). Long cells end in '…'; a cell is
    plain text (a ``Text`` for a style), never markup. Reads the same at 80 columns and in a log."""
    from rich import box
    from rich.text import Text

    def plain(c: Any) -> str:
        return c.plain if isinstance(c, Text) else str(c)

    need = [max([len(h)] + [len(plain(r[i])) for r in rows]) for i, (h, _k) in enumerate(columns)]
    widths: list[int] = [0] * len(columns)
    flex: list[int] = []
    for i, (h, how) in enumerate(columns):
        if how == "num":
            widths[i] = need[i]
        elif isinstance(how, int):
            widths[i] = min(need[i], max(how, len(h) if len(h) <= 12 else 0))
        else:
            flex.append(i)
    room = max(0, con.width - sum(widths) - (len(columns) - 1))  # one space between columns
    # flexible columns share the room by weight, none wider than its content; then the rest
    todo = sorted(flex, key=lambda i: need[i])
    total_w = sum(columns[i][1] for i in todo) or 1.0
    for i in todo:
        share = max(6, int(room * columns[i][1] / total_w))
        widths[i] = min(need[i], share)
        room -= widths[i]
        total_w -= columns[i][1]
    t = Table(title=title or None, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD,
              pad_edge=False, show_edge=False, padding=0, caption=caption or None, caption_justify="left",
              expand=False)
    for i, (h, how) in enumerate(columns):
        t.add_column(h, justify="right" if how == "num" else "left", no_wrap=True, overflow="ellipsis", width=widths[i])
    for r in rows:
        t.add_row(*[c if isinstance(c, Text) else Text(str(c)) for c in r])
    con.print(t)


def _more(con: Console, shown: int, total: int, what: str) -> None:
    if total > shown:
        con.print(f"  … {total - shown} more {what} ({MORE_HINT})")


def print_summary(result: ScanResult, err: bool = False, verbose: bool = False) -> None:
    """What was found. By default a screenful whatever the tree's size: one row per kind of
    reference with the most referenced ids, and one line on provenance; ``verbose`` prints every
    id with where it is, the provenance of every model and every skipped file."""
    con = _console(err)
    st = result.stats
    units = len([u for u in result.units if u])
    con.print(f"[bold]sovaudit {result.tool_version}[/bold] scanned [bold]{escape(result.root)}[/bold]: "
              f"{st.files_seen} files" + (f" in {units} projects" if units > 1 else "")
              + f", {len(result.references)} references, {len({s.path for s in result.skipped})} skipped"
              + (f" ({st.files_cached} from cache)" if st.files_cached else "") + f" in {st.seconds:.1f}s")
    late = sum(1 for sk in result.skipped if sk.reason == "not scanned" and sk.path != ".")
    walk_cut = any(sk.reason == "not scanned" and sk.path == "." for sk in result.skipped)
    over = sum(1 for sk in result.skipped if sk.reason == "over budget")
    parts = [x for x in (f"{late} file(s) not scanned: the scan's deadline was reached" if late else "",
                         "the walk was stopped by the deadline" if walk_cut else "",
                         f"{over} file(s) over the per-file time budget" if over else "") if x]
    if parts:  # a partial scan says so before anything else
        con.print("[yellow]" + escape("; ".join(parts) + "; the reports hold what was found and list them as skipped") + "[/yellow]")
    by_kind: dict[Kind, dict[tuple[str, str, str], list]] = {k: defaultdict(list) for k in TITLES}
    for r in result.references:
        if r.kind in by_kind and r.context != Context.COMMENT:
            by_kind[r.kind][(r.id, r.provider, r.form)].append(r)
    if verbose:
        for kind, title in TITLES.items():
            groups = by_kind[kind]
            if not groups:
                continue
            t = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
            t.add_column("id", overflow="fold")
            t.add_column("provider")
            t.add_column("form")
            t.add_column("refs", justify="right")
            t.add_column("where", overflow="fold")
            for (id_, prov, form), refs in sorted(groups.items()):
                t.add_row(escape(id_), escape(prov or "-"), escape(form), str(len(refs)),
                          escape(_where([f"{r.path}:{r.line}" for r in refs])))
            con.print(t)
        _print_provenance_table(con, result)
    else:
        found = []
        for kind, title in TITLES.items():
            groups = by_kind[kind]
            if not groups:
                continue
            per_id: dict[str, int] = defaultdict(int)
            for (id_, _p, _f), refs in groups.items():
                per_id[id_] += len(refs)
            top = sorted(per_id.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            found.append([title, sum(per_id.values()), len(per_id),
                          ", ".join(f"{i} ({n})" for i, n in top) + (", …" if len(per_id) > 3 else "")])
        if found:
            _grid(con, "Found", [("", 19), ("refs", "num"), ("distinct", "num"), ("most referenced", 1.0)], found)
        _print_provenance_line(con, result)
    if result.skipped:
        if verbose:
            t = Table(title="Skipped", title_justify="left", header_style="bold")
            t.add_column("path", overflow="fold")
            t.add_column("reason")
            t.add_column("detail", overflow="fold")
            for s in result.skipped:
                t.add_row(escape(s.path), escape(s.reason), escape(s.detail))
            con.print(t)
        else:
            reasons: dict[str, int] = defaultdict(int)
            for s in result.skipped:
                reasons[s.reason.split(" (", 1)[0]] += 1
            top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            n = len({s.path for s in result.skipped})
            con.print(f"Skipped: {n} {'file or folder' if n == 1 else 'files or folders'} ("
                      + escape("; ".join(f"{r}: {n}" for r, n in top[:4])) + (", …" if len(top) > 4 else "") + ")")


def _unchecked(result: ScanResult, rows: list) -> None | str:
    unchecked = [p for p in rows if p.status.value == "unverified" or "unreachable" in p.reason or "offline" in p.reason]
    if not unchecked:
        return None
    why = "offline" if result.offline else "the Hugging Face Hub could not be reached"
    return (f"{len(unchecked)} of {len(rows)} models were not checked against the Hub ({why}): what only the "
            "Hub states (license and base-model tags, gating) is missing, and each fact shown is one the knowledge "
            "base establishes, with its evidence.")


def _print_provenance_line(con: Console, result: ScanResult) -> None:
    """Provenance in two lines: where the models come from, and what could not be checked."""
    found = {r.id for r in result.references if r.kind == Kind.MODEL and r.context != Context.COMMENT}
    rows = [p for p in result.provenance if p.model_id in found]
    if not rows:
        return
    by_country: dict[str, int] = defaultdict(int)
    for p in rows:
        by_country[p.country.value if p.country.known else "unknown"] += 1
    top = sorted(by_country.items(), key=lambda kv: (kv[0] == "unknown", -kv[1], kv[0]))
    con.print(f"[bold]Model provenance[/bold]: {len(rows)} models; origin "
              + escape(", ".join(f"{c} {n}" for c, n in top[:6]) + (", …" if len(top) > 6 else "")))
    note = _unchecked(result, rows)
    if note:
        con.print(f"[yellow]{escape(note)}[/yellow]")


def _print_provenance_table(con: Console, result: ScanResult) -> None:
    """Where each model found comes from; what could not be verified is said plainly."""
    found = {r.id for r in result.references if r.kind == Kind.MODEL and r.context != Context.COMMENT}
    rows = [p for p in result.provenance if p.model_id in found]
    if not rows:
        return
    t = Table(title="Model provenance", title_justify="left", header_style="bold")
    for col in ("model", "status", "origin", "publisher", "license", "weights", "maker's API", "lineage"):
        t.add_column(col, overflow="fold", min_width=8 if col in ("status", "weights") else None)
    notes: list[str] = []
    for p in rows:
        origin = f"{p.origin_lab.value} ({p.country.value})" if p.country.known else "unknown"
        pub = p.publisher.value + (f" ({p.publisher_country.value})" if p.publisher_country.known else "") if p.publisher.known else "unknown"
        lic = p.license_id.value + (f" [{p.license_class.value}]" if p.license_class.known else "") if p.license_id.known else "unknown"
        hops = ", ".join(f"{h.relation} of {h.parent}" for h in p.parents)
        status_l = p.lineage.value.replace("-", " ") if p.lineage.known else "not established"
        lineage = f"{status_l}: {hops}" if hops else status_l
        status = p.status.value
        if p.reason:
            notes.append(f"{p.model_id}: {p.reason}")
            status += f" [{len(notes)}]"
        t.add_row(escape(p.model_id), escape(status), escape(origin), escape(pub), escape(lic), p.weights.value,
                  escape(p.provider.value if p.provider.known else "-"), escape(lineage))
    con.print(t)
    for i, n in enumerate(notes, 1):
        con.print(escape(f"  [{i}] {n}"), soft_wrap=True)
    note = _unchecked(result, rows)
    if note:
        con.print(f"[yellow]{escape(note)}[/yellow]")


def print_rules(kb, section: str | None) -> None:
    con = Console(highlight=False)
    t = Table(header_style="bold")
    for col in ("section", "id", "country", "name", "defined at"):
        t.add_column(col, overflow="fold")
    for e in kb.entries:
        if section and e.section != section:
            continue
        t.add_row(e.section, e.id, e.get("country", e.id if e.section == "jurisdictions" else ""), e.get("name", ""), f"{e.path}:{e.line}")
    con.print(t)


def print_provenance(prov, roots) -> None:
    """A lineage tree per requested id, each node with origin, country, license and weights."""
    from rich.tree import Tree

    con = Console(highlight=False)
    by_id = {p.model_id: p for p in prov}

    def label(p) -> str:
        bits = [f"[bold]{escape(p.model_id)}[/bold]", escape(f"[{p.status.value}]")]
        if p.country.known:
            bits.append(escape(f"origin {p.origin_lab.value} ({p.country.value})"))
        if p.publisher.known:
            bits.append(escape(f"published by {p.publisher.value}" + (f" ({p.publisher_country.value})" if p.publisher_country.known else "")))
        if p.license_id.known:
            bits.append(escape(f"license {p.license_id.value}" + (f" [{p.license_class.value}]" if p.license_class.known else "")))
        if p.weights.known:
            bits.append(escape(f"weights {p.weights.value}"))
        if p.provider.known:
            bits.append(escape(f"served by {p.provider.value}"))
        if p.reason:
            bits.append(escape(f"- {p.reason}"))
        return "  ".join(bits)

    expanded: set[str] = set()  # each model's lineage is drawn once: a tree of a lineage graph grows with its paths

    def grow(node, mid, seen):
        p = by_id.get(mid)
        if p is None:
            return
        expanded.add(mid)
        for h in p.parents:
            child_p = by_id.get(h.parent)
            text = f"{h.relation} of → " + (label(child_p) if child_p else escape(h.parent))
            child = node.add(text)
            if h.parent in seen:
                child.add("(cycle)")
                continue
            if h.parent in expanded:
                if child_p is not None and child_p.parents:
                    child.add("(its lineage is shown above)")
                continue
            grow(child, h.parent, seen | {h.parent})
        for c in p.conflicts:
            node.add("[yellow]conflict[/yellow] " + escape(f"{c.field}: {c.note} " + " vs ".join(f.value for f in c.values)))

    for mid in roots:
        p = by_id.get(mid)
        if p is None:
            continue
        tree = Tree(label(p))
        grow(tree, mid, {mid})
        con.print(tree)


def serving_text(mc) -> str:
    """How a model's references are served, shortest first: 'self-hosted (call)', 'deepseek (file)',
    'not established'."""
    from sovaudit.graph.build import SCOPE_ORDER

    nearest: dict[str, str] = {}
    for sv in sorted(mc.serving, key=lambda x: SCOPE_ORDER.index(x.scope) if x.scope in SCOPE_ORDER else 99):
        who = "not established" if sv.route == "not-established" else (
            "self-hosted" if sv.route == "self-hosted" else sv.processor.split(":", 1)[-1])
        nearest.setdefault(who, sv.scope)
    return ", ".join(w if w == "not established" else f"{w} ({sc})" for w, sc in nearest.items()) or "-"


def licenses_text(mc) -> str:
    """'mit [permissive]; bedrock terms [service-terms]' -- one per access path."""
    out = []
    for lic in mc.licenses:
        if lic.access == "weights":
            out.append(f"{lic.license_class}" + (f" (from {lic.inherited_from})" if lic.inherited_from else ""))
        elif lic.access == "api":
            out.append("API terms (provider not established)")
        else:
            out.append(f"{lic.access.split(':', 1)[-1]} terms")
    return "; ".join(out) or mc.license_class


def home_rows(a, limit: int = 0) -> list[tuple[str, str]]:
    """(layer title, what the layer says against home), for the terminal and Markdown; ``limit``
    > 0 names at most that many models per list (and counts the rest)."""
    from sovaudit.report.common import LAYER_TITLES

    def items(xs) -> str:
        return "; ".join(f"{x.jurisdiction} ({', '.join(p.split(':', 1)[-1] for p in x.parties[:4])}"
                         + (f" +{len(x.parties) - 4}" if len(x.parties) > 4 else "") + ")" for x in xs)

    def names(xs) -> str:
        if not limit or len(xs) <= limit:
            return ", ".join(xs)
        return ", ".join(xs[:limit]) + f" +{len(xs) - limit}"

    rows = []
    for h in a.home_layers:
        bits = []
        if h.data_leaves:
            bits.append(f"data leaves {a.home}: {items(h.data_leaves)}")
        if h.foreign_control:
            bits.append(f"data at home under foreign law: {items(h.foreign_control)}")
        if h.supply_abroad:
            bits.append(f"supply controlled from abroad: {items(h.supply_abroad)}")
        if h.domestic:
            bits.append(f"domestic: {items(h.domestic)}")
        if h.unknown:
            bits.append(f"unknown: {items(h.unknown)}")
        if h.self_hosted:
            bits.append(f"self-hosted: {names(h.self_hosted)}")
        if h.api_only:
            bits.append(f"API-only: {names(h.api_only)}")
        if h.not_established:
            what = "serving path not established" if h.layer.value == "inference-provider" else "lineage not established"
            bits.append(f"{what}: {', '.join(h.not_established[:6])}" + (f" +{len(h.not_established) - 6}" if len(h.not_established) > 6 else ""))
        rows.append((LAYER_TITLES[h.layer], "; ".join(bits) or "nothing found"))
    return rows


def set_apart_lines(a) -> list[str]:
    from sovaudit.report.common import SET_APART_TEXT

    return [f"{x.references} reference{'s' if x.references != 1 else ''} in {x.files} file{'s' if x.files != 1 else ''}: "
            f"{SET_APART_TEXT.get(x.reason, x.reason)}" for x in a.set_apart]


def print_exposure(result: ScanResult, err: bool = False, fail_on: str = "none", verbose: bool = False) -> None:
    """A short exposure table (layer x jurisdiction, data/supply, how much of the stack), the
    models (serving path, licenses, lineage), the answer against home when one is set, what was
    set apart, and the policy verdict. By default each table holds its top rows (the most
    referenced) and says how many more there are; ``verbose`` prints every row and finding."""
    from sovaudit.model import LAYERS
    from sovaudit.report.common import checked_text

    con = _console(err)
    a = result.assessment
    from rich.text import Text

    rows: list[list[Any]] = []
    for layer in LAYERS:
        la = a.layer(layer)
        if not la.jurisdictions:
            rows.append([layer.value, "-", "-", "nothing found", "0", "", "0", ""])
            continue
        shown = la.jurisdictions if verbose else la.jurisdictions[:TOP_JURISDICTIONS]
        for i, j in enumerate(shown):
            ents = [e for e in j.entities if not e.startswith(("model:", "endpoint:"))] or list(j.entities)
            through = ", ".join(e.split(":", 1)[1] for e in ents[:3]) + (f" (+{len(ents) - 3})" if len(ents) > 3 else "")
            code = j.jurisdiction + (f" ({', '.join(j.orders)})" if j.orders else "")
            rows.append([layer.value if i == 0 else "", Text(code, style="yellow" if j.jurisdiction == "unknown" else ""),
                         "+".join(j.kinds), through, j.references, j.dependents or "", j.files, len(j.regimes) or ""])
        rest = la.jurisdictions[len(shown):]
        if rest:
            rows.append(["", f"+{len(rest)} more", "", ", ".join(j.jurisdiction for j in rest),
                         sum(j.references for j in rest), "", "", ""])
    _grid(con, "Exposure by layer", [("layer", 18), ("jurisdiction", 8), ("exposure", 11), ("through", 1.0), ("refs", "num"),
                                     ("others", "num"), ("files", "num"), ("regimes", "num")], rows,
          caption="refs: the layer's own references; others: references of other layers that depend on it")
    if a.models:
        models = sorted(a.models, key=lambda m: (-m.references, m.model_id)) if not verbose else list(a.models)
        shown_m = models if verbose else models[:TOP]
        _grid(con, "Model control" + ("" if len(shown_m) == len(models) else f" (the {len(shown_m)} most referenced of {len(models)})"),
              [("model", 3.0), ("control", 13), ("served", 2.0), ("origin", 7), ("license", 1.0), ("lineage", 15), ("refs", "num")],
              [[mc.model_id, mc.control, serving_text(mc), ", ".join(mc.countries) or "unknown", licenses_text(mc),
                mc.lineage_status.replace("-", " "), mc.references] for mc in shown_m])
        _more(con, len(shown_m), len(models), "models")
    if a.home:
        h = Table(title=f"Against home: {a.home} ({a.home_source})", title_justify="left", header_style="bold", show_header=False)
        h.add_column("layer", style="bold", no_wrap=True)
        h.add_column("answer", overflow="fold")
        for layer_title, text in home_rows(a, limit=0 if verbose else 6):
            h.add_row(layer_title, escape(text))
        con.print(h)
    for line in set_apart_lines(a):
        con.print(f"[dim]Not assessed: {escape(line)}[/dim]")
    counts: dict[str, int] = defaultdict(int)
    for f in result.findings:
        counts[f.severity.value] += 1
    checked = checked_text(result)
    if result.findings:
        summary = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low") if counts.get(s))
        n_sup = sum(1 for f in result.findings if f.suppressed)
        n_base = sum(1 for f in result.findings if f.baselined and not f.suppressed)
        held = "; ".join(x for x in (f"{n_sup} suppressed" if n_sup else "", f"{n_base} baselined" if n_base else "") if x)
        con.print(f"[bold]{len(result.findings)} finding(s)[/bold]: {summary}"
                  + (f" ({held}: not counted for --fail-on)" if held else "") + f", under {escape(checked)}")
        if verbose or len(result.findings) <= TOP:
            for f in result.findings:
                tag = f" [dim]\\[suppressed: {escape(f.suppression)}][/dim]" if f.suppressed else (" [dim]\\[baselined][/dim]" if f.baselined else "")
                und = " [yellow]\\[undecided][/yellow]" if f.undecided else ""
                con.print(f"  {escape('[' + f.severity.value + ']')} {escape(f.rule_id)}{und}: {escape(f.message)}{tag}")
        else:
            _print_finding_rules(con, result.findings)
    else:
        con.print(f"No policy findings under {escape(checked)}.")
    from sovaudit.assess.suppress import invalid, why_invalid

    for sup in invalid(result.suppressions):
        con.print(f"[yellow]ignored suppression at {escape(sup.path)}:{sup.line}: {why_invalid(sup)} "
                  f"(write: sovaudit: ignore\\[RULE-ID] reason)[/yellow]")
    if fail_on not in ("", "none"):
        from sovaudit.assess.policy import fails

        con.print(f"--fail-on {fail_on}: " + ("[bold red]FAIL[/bold red]" if fails(result.findings, fail_on) else "[green]pass[/green]"))


def _print_finding_rules(con: Console, findings) -> None:
    """Many findings: one row per rule (most severe first), with its count and an example."""
    from sovaudit.report.common import SEVERITIES

    rank = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}  # critical highest
    by_rule: dict[tuple[str, str], list] = defaultdict(list)
    for f in findings:
        by_rule[(f.severity.value, f.rule_id)].append(f)
    rows = sorted(by_rule.items(), key=lambda kv: (-rank.get(kv[0][0], 0), -len(kv[1]), kv[0][1]))
    out = []
    for (sev, rule), fs in rows[:TOP]:
        und = sum(1 for f in fs if f.undecided)
        out.append([sev, rule + (f" ({und} undecided)" if und else ""), len(fs), fs[0].message])
    _grid(con, "", [("severity", 8), ("rule", 26), ("findings", "num"), ("for example", 1.0)], out)
    _more(con, min(len(rows), TOP), len(rows), "rules")
    con.print(f"  every finding: {MORE_HINT}")


def print_comparison(c, file=None, width: int | None = None) -> None:
    """Stacks side by side (one column each) and what changes from the first to each other.
    ``file`` (a text stream) gets plain text, for ``--output``; else the terminal, with colour."""
    from sovaudit.model import LAYERS
    from sovaudit.report.common import LAYER_TITLES
    from sovaudit.report.compare import api_only_text, findings_text, layer_cell, licenses_text, model_text, pairs, verdict_text

    con = Console(file=file, width=width or (120 if file is not None else None), highlight=False,
                  no_color=file is not None, color_system=None if file is not None else "auto", soft_wrap=False)
    t = Table(title="Stacks compared (jurisdictions per layer: data / supply exposure)", title_justify="left",
              header_style="bold", show_lines=True)
    t.add_column("", style="bold", no_wrap=True)
    for s in c.stacks:
        t.add_column(escape(s.name), overflow="fold")
    t.add_row("source", *[escape(f"{s.source_kind}: {s.source}") for s in c.stacks])
    styles = {"fail": "red", "pass": "green"}
    t.add_row("verdict", *[f"[{styles[s.verdict]}]{escape(verdict_text(s))}[/{styles[s.verdict]}]" if s.verdict in styles
                           else escape(verdict_text(s)) for s in c.stacks])
    for layer in LAYERS:
        t.add_row(LAYER_TITLES[layer], *[escape(", ".join(f"{j} ({k})" for j, k in layer_cell(s, layer)) or "-") for s in c.stacks])
    t.add_row("API-only", *[escape(api_only_text(s)) for s in c.stacks])
    t.add_row("licenses", *[escape(licenses_text(s)) for s in c.stacks])
    t.add_row("models", *[escape("\n".join(model_text(m) for m in s.models) or "-") for s in c.stacks])
    t.add_row("findings", *[escape(findings_text(s)) for s in c.stacks])
    con.print(t)
    for base, other, chs in pairs(c):
        con.print(f"[bold]From {escape(base)} to {escape(other)}[/bold]" + ("" if chs else ": no change"))
        for ch in chs:
            colour = {"added": "red", "removed": "green", "changed": "yellow"}[ch.change]
            con.print(f"  [{colour}]{escape(str(ch))}[/{colour}]")
    for s in c.stacks:
        if s.unverified:
            con.print(f"[yellow]{escape(s.name)}: not verified against the Hub: {escape(', '.join(s.unverified))}[/yellow]")


def print_alternatives(a, file=None) -> None:
    """The model asked about, then the ranked candidates with their provenance and sources."""
    con = Console(file=file, width=120 if file is not None else None, highlight=False, no_color=file is not None)
    p, t = a.target_provenance, a.target
    origin = p.country.value if p.country.known else UNKNOWN
    con.print(f"[bold]{escape(a.model_id)}[/bold]: origin {escape(origin)}, weights {escape(p.weights.value)}, "
              f"license {escape(p.license_id.value)}; task {escape(a.task)}"
              + (f", {escape('+'.join(t.modalities))} input" if t.modalities else "")
              + (f", {t.parameters:g}B parameters ({escape(t.parameter_class)})" if t.parameters else "")
              + (f", context {t.context_length:,}" if t.context_length else "")
              + (f" [dim]({escape(t.source)})[/dim]" if t.source else ""))
    if a.filters:
        con.print("filters: " + escape(", ".join(f"--{k} {v}" for k, v in a.filters)))
    table = Table(title=f"Alternatives ({len(a.candidates)}" + (f" of {len(a.candidates) + a.more}" if a.more else "") + ")",
                  title_justify="left", header_style="bold")
    for col, kw in (("#", {"justify": "right"}), ("model", {"overflow": "fold", "ratio": 3}), ("origin", {}),
                    ("weights", {"overflow": "fold"}), ("license", {"overflow": "fold"}), ("params", {"justify": "right"}),
                    ("context", {"justify": "right"}), ("score", {"justify": "right"}), ("why", {"overflow": "fold", "ratio": 2})):
        table.add_column(col, **kw)
    for i, c in enumerate(a.candidates, 1):
        cap = c.capability
        params = (f"{cap.parameters:g}B" + (f" ({cap.active_parameters:g}B act.)" if cap.active_parameters else "")) if cap.parameters else "-"
        weights = "api" + (f" ({', '.join(c.providers)})" if c.providers else "") if c.weights == "api-only" else c.weights
        ctx = (f"{cap.context_length // 1024}k" if cap.context_length >= 1024 else str(cap.context_length)) if cap.context_length else "-"
        table.add_row(str(i), escape(c.model_id), escape(",".join(c.countries) or UNKNOWN), escape(weights),
                      escape(f"{c.license_id} ({c.license_class})"), params, ctx, f"{c.score:.2f}", escape("; ".join(c.reasons)))
    con.print(table)
    if not a.candidates:
        con.print("No candidate passes the filters.")
    for reason, n in a.excluded:
        con.print(f"[dim]excluded {n}: {escape(reason)}[/dim]")
    if a.offline:
        con.print("[dim]offline: candidates are described from the knowledge base alone (rules/models.yaml)[/dim]")
