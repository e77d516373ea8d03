"""The five targets: kafkalite against librdkafka through `kafkalite-perf compare`.

Each target is one compare file (compare-T1.jsonl ...); each of its checks compares a
median of that file with a bound or with another median. PASS/FAIL comes from the data
only.
"""

import os
from dataclasses import dataclass

from report_charts import Bar, Panel
from report_data import load_comparison
from report_markdown import count, fixed, is_number, sig, table

# How the report shows a figure of kafkalite-perf: title, unit, scale from the JSON value.
FIGURES = {
    "msgs_per_s": ("msgs/s", "msgs/s", 1),
    "mb_per_s": ("MB/s", "MB/s", 1),
    "p50_us": ("p50 latency", "µs", 1),
    "p99_us": ("p99 latency", "µs", 1),
    "p999_us": ("p99.9 latency", "µs", 1),
    "max_us": ("max latency", "µs", 1),
    "cpu_s_per_msg": ("client CPU per msg", "µs", 1e6),
    "broker_cpu_s_per_msg": ("broker CPU per msg", "µs", 1e6),
    "total_cpu_s_per_msg": ("client + broker CPU per msg", "µs", 1e6),
    "peak_rss_kb": ("client peak RSS", "MB", 1024 / 1e6),
}
RSS_LIMIT_KB = 200e6 / 1024  # 200 MB (10^6 bytes); peak_rss_kb counts KiB


def shown(figure, value):
    """A figure's value in the report's unit, as text."""
    if not is_number(value):
        return "–"
    _, unit, factor = FIGURES.get(figure, (figure, "", 1))
    v = value * factor
    return f"{count(v)} {unit}" if abs(v) >= 100 else f"{sig(v)} {unit}"


@dataclass
class Target:
    key: str
    records: int   # records per run in the full report (PERF_REPORT_SCALE divides them)
    workload: str

    def heading(self, comparison):
        """'T1: 100,000 records (full report: 2,000,000), RF 1, ...' from the runs' counts."""
        measured = [r.get("msgs") for r in (comparison.runs if comparison else []) if is_number(r.get("msgs"))]
        records = f"{count(self.records)} records"
        if measured and max(measured) != self.records:
            records = f"{count(max(measured))} records (full report: {count(self.records)})"
        return f"{self.key}: {records}, {self.workload}"


@dataclass
class Check:
    """left (target, side, figure) OP bound, or OP bound × right when right is given."""
    target: str
    text: str
    left: tuple
    op: str
    bound: float
    right: tuple = None


TARGETS = [
    Target("T1", 2_000_000, "RF 1, acks=1, 1 broker"),
    Target("T2", 2_000_000, "RF 3, acks=-1, 3 brokers"),
    Target("T3", 100_000, "at 10,000 records/s, RF 3, acks=-1, 3 brokers, queue.buffering.max.ms=0"),
    Target("T4", 2_000_000, "RF 1, acks=1, 1 broker; librdkafka on kafkalite-broker vs on librdkafka's mock cluster"),
    Target("T5", 10_000_000, "queue.buffering.max.messages=100000, RF 1, acks=1, 1 broker"),
]
CHECKS = [
    Check("T1", "kafkalite msgs/s ≥ 1.5 × librdkafka", ("T1", "kafkalite", "msgs_per_s"), ">=", 1.5,
          ("T1", "librdkafka", "msgs_per_s")),
    Check("T1", "kafkalite CPU s/msg ≤ 0.6 × librdkafka", ("T1", "kafkalite", "cpu_s_per_msg"), "<=", 0.6,
          ("T1", "librdkafka", "cpu_s_per_msg")),
    Check("T2", "kafkalite msgs/s ≥ 1.5 × librdkafka", ("T2", "kafkalite", "msgs_per_s"), ">=", 1.5,
          ("T2", "librdkafka", "msgs_per_s")),
    Check("T2", "kafkalite msgs/s ≥ 0.7 × kafkalite's T1", ("T2", "kafkalite", "msgs_per_s"), ">=", 0.7,
          ("T1", "kafkalite", "msgs_per_s")),
    Check("T3", "kafkalite p99 ≤ librdkafka p99", ("T3", "kafkalite", "p99_us"), "<=", 1.0,
          ("T3", "librdkafka", "p99_us")),
    Check("T3", "kafkalite p99 ≤ 1000 µs", ("T3", "kafkalite", "p99_us"), "<=", 1000),
    Check("T4", "kafkalite-broker msgs/s ≥ 0.9 × rdkafka-mock", ("T4", "kafkalite-broker", "msgs_per_s"), ">=", 0.9,
          ("T4", "rdkafka-mock", "msgs_per_s")),
    Check("T5", "kafkalite peak RSS < 200 MB", ("T5", "kafkalite", "peak_rss_kb"), "<", RSS_LIMIT_KB),
]


# Compression: the same codec and settings on both clients, text payloads
# (kafkalite-perf --payload text), 6 partitions, RF 1, acks=1, 1 broker.
COMPRESSION_TARGETS = [
    Target("Z1", 1_000_000, "lz4, 100-byte text values"),
    Target("Z2", 1_000_000, "zstd, 100-byte text values"),
    Target("Z3", 300_000, "lz4, 1,024-byte text values"),
    Target("Z4", 300_000, "zstd, 1,024-byte text values"),
]
COMPRESSION_CHECKS = [c for t in COMPRESSION_TARGETS for c in (
    Check(t.key, "kafkalite msgs/s ≥ 1.5 × librdkafka", (t.key, "kafkalite", "msgs_per_s"), ">=", 1.5,
          (t.key, "librdkafka", "msgs_per_s")),
    Check(t.key, "kafkalite CPU s/msg ≤ 0.7 × librdkafka", (t.key, "kafkalite", "cpu_s_per_msg"), "<=", 0.7,
          (t.key, "librdkafka", "cpu_s_per_msg")))]


def load_targets(raw, targets=None):
    """{"T1": Comparison or None, ...} (or of `targets`)."""
    return {t.key: load_comparison(os.path.join(raw, f"compare-{t.key}.jsonl")) for t in (targets or TARGETS)}


def _median(data, ref):
    target, side, figure = ref
    comparison = data.get(target)
    if comparison is None:
        return None
    return comparison.medians.get(side, {}).get(figure)


def evaluate(check, data):
    """(measured text, ratio or None, verdict) of one check."""
    left = _median(data, check.left)
    right = _median(data, check.right) if check.right else None
    figure = check.left[2]
    if not is_number(left) or (check.right and not (is_number(right) and right > 0)):
        return "not measured", None, "NO DATA"
    value = left / right if check.right else left
    passed = {">=": value >= check.bound, "<=": value <= check.bound, "<": value < check.bound}[check.op]
    if check.right:
        measured = f"{shown(figure, left)} vs {shown(figure, right)}"
        if check.right[0] != check.left[0]:
            measured = f"{shown(figure, left)} vs {check.right[0]}: {shown(figure, right)}"
        return measured, value, "PASS" if passed else "FAIL"
    return shown(figure, left), None, "PASS" if passed else "FAIL"


def summary_table(data, checks=None):
    rows = []
    for check in checks or CHECKS:
        measured, ratio, verdict = evaluate(check, data)
        op = {">=": "≥", "<=": "≤", "<": "<"}[check.op]
        bound = f"ratio {fixed(ratio, 2)} (needs {op} {check.bound:g})" if check.right else \
            f"needs {op} {shown(check.left[2], check.bound)}"
        rows.append([check.target, check.text, measured, bound, f"**{verdict}**"])
    return table(["target", "condition", "measured (medians)", "ratio / limit", "result"], rows,
                 ["l", "l", "r", "r", "l"])


def verdicts(data):
    return [evaluate(c, data)[2] for c in CHECKS]


def detail_table(comparison):
    """Every median of both sides and their ratio."""
    a, b = comparison.sides[:2]
    rows = []
    for figure in FIGURES:
        va, vb = comparison.medians[a].get(figure), comparison.medians[b].get(figure)
        if va is None and vb is None:
            continue
        ratio = comparison.ratio.get(figure)
        rows.append([f"{FIGURES[figure][0]} (`{figure}`)", shown(figure, va), shown(figure, vb), fixed(ratio, 3)])
    return table(["figure", a, b, f"{a} / {b}"], rows)


def runs_table(comparison):
    """Every run of a compare file: how each side varied."""
    rows = []
    for r in comparison.runs:
        if "error" in r:
            rows.append([r.get("run"), r.get("client", ""), r.get("broker", ""), "–", "–", "–", r["error"]])
            continue
        status = "ok" if r.get("exit_status") == 0 and not r.get("errors") else \
            f"exit {r.get('exit_status')}, {count(r.get('errors'))} errors"
        rows.append([r.get("run"), r.get("client"), r.get("broker"), count(r.get("msgs_per_s")),
                     count(r.get("p99_us")), count(r.get("peak_rss_kb")), status])
    return table(["run", "client", "broker", "msgs/s", "p99 µs", "peak RSS KiB", "status"], rows,
                 ["r", "l", "l", "r", "r", "r", "l"])


def chart_panels(data):
    """One panel per (target, figure) that a check judges: both sides as bars, the
    check's bound as a line."""
    panels = {}
    for check in CHECKS:
        target, _, figure = check.left
        key = (target, figure)
        title, unit, factor = FIGURES[figure]
        if key not in panels:
            comparison = data.get(target)
            bars = []
            for side in (comparison.sides if comparison else []):
                value = comparison.medians.get(side, {}).get(figure)
                scaled = value * factor if is_number(value) else None
                bars.append(Bar(side, scaled, sig(scaled) if scaled is not None else "–"))
            panels[key] = Panel(f"{target}: {title}", ylabel=unit, bars=bars, yformat="%.1s%c" if
                                figure == "msgs_per_s" else "")
        right = _median(data, check.right) if check.right else 1
        if is_number(right):
            op = {">=": "≥", "<=": "≤", "<": "<"}[check.op]
            name = f"{op} {check.bound:g}× {check.right[0]} {check.right[1]}" if check.right else \
                f"{op} {shown(figure, check.bound)}"
            panels[key].hlines.append((name, check.bound * right * factor))
    return list(panels.values())
