"""Printing the figures as they come, and the summary against the issue's targets."""

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.runs import RunResult

TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.5, 250.0, 200.0
# Issue 19, the reports-only load: (SQLite, PostgreSQL) each.
TARGET_CPU_MS = (5.0, 7.0)  # CPU per report at a steady 20/s (PostgreSQL: bot + server)
TARGET_P99_20_MS = (16.0, 25.0)  # report → worker card at 20/s
TARGET_P99_50_MS = 40.0
TARGET_BURST = (250.0, 200.0)  # reports a second
TARGET_STATEMENTS, TARGET_COMMITS = 8.0, 2.0  # per report, delivery included
# The five steps of a case the issue names, by the update kinds bot/sqlcount.py records.
NAMED_KINDS = {"report": ("group /report", "group mention"), "accept": ("button a",),
               "resolve": ("button d", "button dn"), "confirm": ("button y",),
               "rate": ("button s",)}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def ms(values: list[float]) -> str:
    """p50 / p95 / p99 in milliseconds."""
    return " / ".join(f"{percentile(values, p) * 1000:.0f}" for p in (50, 95, 99)) + " ms"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@dataclass
class Report:
    """Every figure of one `python -m bench`."""

    args: dict[str, Any]
    workdir: Path
    hotpaths: list[tuple[str, float, int]] = field(default_factory=list)
    throughput: dict[tuple[float, str], RunResult] = field(default_factory=dict)
    paced: RunResult | None = None
    flood: RunResult | None = None
    memory: RunResult | None = None
    memory_by_framework: dict[str, RunResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    reports: dict[str, RunResult] = field(default_factory=dict)  # "burst", "20/s", "50/s"

    @property
    def ok(self) -> bool:
        """No failed case, no call refused by the emulator, nothing lost."""
        return not self.problems

    def machine(self) -> None:
        """Print what this runs on."""
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()};"
              f" load average at start {load}")
        db = "PostgreSQL" if self.args.get("postgres") else "SQLite"
        print(f"database: {db}; {self.args['chats']} group chats")

    def print_hotpaths(self) -> None:
        """Print the hot-path timings."""
        print("\nhot paths (mean time per call):")
        for name, seconds, loops in self.hotpaths:
            print(f"  {name:<44} {seconds * 1e6:9.1f} µs  ({loops} loops)")

    def _check(self, result: RunResult, what: str) -> None:
        s = result.stats
        if s.failures:
            self.problems.append(f"{what}: {len(s.failures)} cases failed, e.g. {s.failures[0]}")
        if result.rejections:
            self.problems.append(f"{what}: the emulator refused {len(result.rejections)} calls, "
                                 f"e.g. {result.rejections[0]}")

    def add_throughput(self, result: RunResult) -> None:
        """Print one throughput run; after the echo bot's, the ratio."""
        spec, s = result.spec, result.stats
        name = "ours" if spec.bot == "gridbot" else "echo"
        self._check(result, f"{name} at +{spec.latency_ms:.0f} ms")
        self.throughput[(spec.latency_ms, spec.bot)] = result
        first = "report→worker card" if spec.bot == "gridbot" else "report→echo"
        print(f"\n[{name}, +{spec.latency_ms:.0f} ms per call] {s.cases}/{spec.cases} cases, "
              f"{s.updates} updates in {s.seconds:.1f} s = {s.per_second:.1f} updates/s; "
              f"{first} {ms(s.notify_latency)}; any update→answer {ms(s.step_latency)}; "
              f"peak RSS {result.peak_rss_mb:.0f} MB")
        ours = self.throughput.get((spec.latency_ms, "gridbot"))
        echo = self.throughput.get((spec.latency_ms, "echo"))
        if ours and echo and echo.stats.per_second:
            ratio = ours.stats.per_second / echo.stats.per_second
            print(f"  → throughput ours/echo at +{spec.latency_ms:.0f} ms: {ratio:.2f} "
                  f"(target ≥ {TARGET_RATIO})")

    def add_reports(self, label: str, result: RunResult) -> None:
        """Print one run of the reports-only load."""
        self._check(result, f"reports {label}")
        s = result.stats
        name = "ours" if result.spec.bot == "gridbot" else "echo"
        if name == "ours":
            self.reports[label] = result
        server = (f" + server {result.server_cpu_per_update_ms:.1f} ms"
                  if self.args.get("postgres") and name == "ours" else "")
        print(f"\n[{name}, reports only, {label}] {s.cases}/{result.spec.cases} reports in "
              f"{s.seconds:.1f} s = {s.per_second:.1f}/s; report→"
              f"{'worker card' if name == 'ours' else 'echo'} {ms(s.notify_latency)}; "
              f"CPU per report {result.cpu_per_update_ms:.1f} ms{server}; "
              f"peak RSS {result.peak_rss_mb:.0f} MB")
        if result.sql:
            st, cm, per = _sql_per_report(result)
            print(f"  SQL per report, its delivery included: {st:.1f} statements, "
                  f"{cm:.2f} commits; {per}")

    def print_statements(self, result: RunResult) -> None:
        """Statements and commits per update kind in a whole-case run (deterministic), and
        the sender's per message."""
        sql = result.sql
        if not sql:
            return
        st, cm, n = sql.get("statements", {}), sql.get("commits", {}), sql.get("updates", {})
        print("\nSQL per update (processing; its messages' delivery counted per message below):")
        for name, kinds in NAMED_KINDS.items():
            count = sum(n.get(k, 0) for k in kinds)
            if count:
                print(f"  {name:<8} {sum(st.get(k, 0) for k in kinds) / count:5.1f} statements,"
                      f" {sum(cm.get(k, 0) for k in kinds) / count:4.2f} commits"
                      f"  ({', '.join(kinds)}; {count} updates)")
        named = {k for kinds in NAMED_KINDS.values() for k in kinds}
        for kind in sorted(set(n) - named):
            print(f"  {kind:<22} {st.get(kind, 0) / n[kind]:5.1f} statements, "
                  f"{cm.get(kind, 0) / n[kind]:4.2f} commits ({n[kind]} updates)")
        sent = sum(v for m, v in result.sends.items() if m != "answerCallbackQuery")
        if sent:
            print(f"  delivery and everything else (sender, jobs): "
                  f"{st.get('other', 0) / sent:.2f} statements, {cm.get('other', 0) / sent:.2f} "
                  f"commits per message sent ({sent} messages)")

    def add_paced(self, result: RunResult) -> None:
        """Print the latency run at a fixed rate."""
        self._check(result, "latency run")
        self.paced = result
        s = result.stats
        print(f"\n[ours at {result.spec.rate:.0f} updates/s] {s.updates} updates in "
              f"{s.seconds:.1f} s ({s.per_second:.1f}/s); report→worker card "
              f"{ms(s.notify_latency)} (target p99 < {TARGET_P99_MS:.0f} ms); "
              f"any update→answer {ms(s.step_latency)}")

    def add_flood(self, result: RunResult) -> None:
        """Print the run with Telegram's flood limits on: nothing may be lost."""
        self._check(result, "flood run")
        self.flood = result
        s, o = result.stats, result.outcome
        assert o is not None
        delivered = sum(n for m, n in result.sends.items() if m != "answerCallbackQuery")
        print(f"\n[ours, flood limits on] {s.cases}/{result.spec.cases} cases in "
              f"{s.seconds:.1f} s; outbox: {o.queued} queued, {o.sent} sent, {o.failed} failed, "
              f"{o.pending} left; the emulator accepted {delivered} sends and edits; "
              f"429 answers: {result.throttled}; cases closed {o.closed_cases}/{o.cases}")
        if o.failed or o.pending or delivered != o.sent or o.closed_cases != result.spec.cases:
            self.problems.append("flood run: messages were lost or left unsent")

    def add_memory(self, result: RunResult) -> None:
        """Print the run with many old cases in the database."""
        self._check(result, "memory run")
        self.memory = self.memory or result  # the default framework's run is the figure
        self.memory_by_framework[result.spec.framework] = result
        spec = result.spec
        print(f"\n[ours ({spec.framework}) with {spec.seed_cases:,} old cases] seeded in "
              f"{result.seed_seconds:.0f} s;"
              f" database {result.db_bytes / 2**20:.1f} MB; {result.stats.cases} live cases; "
              f"peak RSS {result.peak_rss_mb:.0f} MB (target < {TARGET_RSS_MB:.0f} MB)")

    def print_summary(self) -> None:
        """The figures against the targets."""
        print("\n=== summary ===")
        self._summary_reports()
        for latency in sorted({k[0] for k in self.throughput}):
            ours = self.throughput.get((latency, "gridbot"))
            echo = self.throughput.get((latency, "echo"))
            if ours and echo and echo.stats.per_second:
                ratio = ours.stats.per_second / echo.stats.per_second
                print(f"throughput +{latency:.0f} ms: ours {ours.stats.per_second:.1f}/s, echo "
                      f"{echo.stats.per_second:.1f}/s, ratio {ratio:.2f} "
                      f"[{'met' if ratio >= TARGET_RATIO else 'MISSED'}]")
        if self.paced is not None:
            p99 = percentile(self.paced.stats.notify_latency, 99) * 1000
            print(f"p99 report→worker card at {self.paced.spec.rate:.0f}/s: {p99:.0f} ms "
                  f"[{'met' if p99 < TARGET_P99_MS else 'MISSED'}]")
        for framework, run in self.memory_by_framework.items():
            rss = run.peak_rss_mb
            print(f"peak RSS with {run.spec.seed_cases:,} cases ({framework}): {rss:.0f} MB "
                  f"[{'met' if rss < TARGET_RSS_MB else 'MISSED'}]")
        sized = [r for (_, bot), r in self.throughput.items() if bot == "gridbot"]
        if sized and sized[0].stats.cases:
            per = sized[0].db_growth_bytes / sized[0].stats.cases * 1000 / 2**20
            print(f"database growth per 1,000 full-lifecycle cases: {per:.2f} MB")
        if self.memory is not None and self.memory.spec.seed_cases:
            per = self.memory.db_bytes / self.memory.spec.seed_cases * 1000 / 2**20
            print(f"database size per 1,000 seeded (closed, 2 events) cases: {per:.2f} MB")
        if self.flood is not None:
            lost = any("flood" in p for p in self.problems)
            print(f"flood limits on: {'LOST MESSAGES' if lost else 'nothing lost'}")
        for problem in self.problems:
            print(f"PROBLEM: {problem}")

    def _summary_reports(self) -> None:
        """The issue-19 figures of the reports-only load against their targets."""
        pg = 1 if self.args.get("postgres") else 0

        def verdict(ok: bool) -> str:
            return "met" if ok else "MISSED"
        if burst := self.reports.get("burst"):
            rate = burst.stats.per_second
            print(f"reports burst: {rate:.1f}/s [{verdict(rate >= TARGET_BURST[pg])}, "
                  f"target ≥ {TARGET_BURST[pg]:.0f}]")
        if steady := self.reports.get("20/s"):
            cpu = steady.cpu_per_update_ms + (steady.server_cpu_per_update_ms if pg else 0.0)
            what = "bot + server" if pg else "bot"
            print(f"CPU per report at 20/s ({what}): {cpu:.1f} ms "
                  f"[{verdict(cpu <= TARGET_CPU_MS[pg])}, target ≤ {TARGET_CPU_MS[pg]:.0f}]")
            p99 = percentile(steady.stats.notify_latency, 99) * 1000
            print(f"p99 report→worker card at 20/s: {p99:.0f} ms "
                  f"[{verdict(p99 <= TARGET_P99_20_MS[pg])}, target ≤ {TARGET_P99_20_MS[pg]:.0f}]")
            if steady.sql:
                st, cm, _ = _sql_per_report(steady)
                print(f"SQL per report at 20/s, delivery included: {st:.1f} statements "
                      f"[{verdict(st <= TARGET_STATEMENTS)}, target ≤ {TARGET_STATEMENTS:.0f}], "
                      f"{cm:.2f} commits [{verdict(cm <= TARGET_COMMITS)}, "
                      f"target ≤ {TARGET_COMMITS:.0f}]")
        if fast := self.reports.get("50/s"):
            p99 = percentile(fast.stats.notify_latency, 99) * 1000
            print(f"p99 report→worker card at 50/s: {p99:.0f} ms "
                  f"[{verdict(p99 <= TARGET_P99_50_MS)}, target ≤ {TARGET_P99_50_MS:.0f}]")


def _sql_per_report(result: RunResult) -> tuple[float, float, str]:
    """All statements and commits of a reports-only run per report, and the split by kind."""
    sql = result.sql
    reports = sum(sql.get("updates", {}).values()) or 1
    st, cm = sql.get("statements", {}), sql.get("commits", {})
    split = ", ".join(f"{k} {v / reports:.1f}/{cm.get(k, 0) / reports:.2f}"
                      for k, v in sorted(st.items()))
    return (sum(st.values()) / reports, sum(cm.values()) / reports,
            f"by kind (stmts/commits): {split}")
