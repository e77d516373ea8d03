"""The Produce grid of sweep_bench: throughput vs batch.num.messages (a line per linger,
a panel per acks × RF) and latency percentiles vs acks.

Parameters are read from the benchmark names: x and line parameters are named here,
every other parameter makes its own panel, so a new one adds panels instead of breaking.
"""

from report_charts import Panel, Series
from report_data import sort_key
from report_markdown import count, sig, table

# Display names of sweep parameters (the name itself when not listed).
PARAM_NAMES = {"batch": "batch.num.messages", "linger": "queue.buffering.max.ms", "acks": "acks", "rf": "RF",
               "request_timeout_ms": "request.timeout.ms", "fault": "fault"}
PREFERRED_LATENCY_POINT = {"batch": 10000, "linger": 5}  # the targets' workload


def param_name(key):
    return PARAM_NAMES.get(key, key)


def value_key(key, value):
    """Sort order of a parameter's values; acks=-1 (all replicas) is the strongest, last."""
    if key == "acks" and value == -1:
        return (0, float("inf"), "")
    return sort_key(value)


def describe(params):
    """{"acks": -1, "rf": 3} -> "acks=-1, RF=3"."""
    return ", ".join(f"{param_name(k)}={v}" for k, v in params.items()) or "all runs"


def facets(runs, exclude):
    """Groups runs by every parameter not in `exclude`: [(params, runs)], in order."""
    groups = {}
    for run in runs:
        key = tuple(sorted((k, v) for k, v in run.params.items() if k not in exclude))
        groups.setdefault(key, []).append(run)
    names = sorted({k for key in groups for k, _ in key})
    ordered = sorted(groups, key=lambda key: [value_key(k, dict(key).get(k)) for k in names])
    return [(dict(key), groups[key]) for key in ordered]


def facet_columns(groups):
    """Columns of a faceted figure: one per value of the last parameter (RF 1 | RF 3)
    when there are 2 or 3 of them, else 2."""
    names = sorted({k for params, _ in groups for k in params})
    if not names:
        return 1
    last = {params.get(names[-1]) for params, _ in groups}
    return len(last) if 2 <= len(last) <= 3 else min(2, len(groups))


def shared_range(values, log):
    """A y range that fits every panel of a figure, so the panels compare at a glance."""
    values = [v for v in values if isinstance(v, (int, float)) and (v > 0 or not log)]
    if not values:
        return None
    low, high = min(values), max(values)
    return (low / 1.5, high * 1.5) if log and low > 0 else (0, high * 1.1 or 1)


def values_of(runs, key):
    return sorted({r.params[key] for r in runs if key in r.params}, key=lambda v: value_key(key, v))


def run_status(run):
    if run.error:
        return "skipped: " + run.error
    errors = run.get("errors", 0)
    return "ok" if not errors else f"{count(errors)} errors"


def throughput_section(ctx, runs):
    """Markdown for throughput vs batch.num.messages."""
    grid = [r for r in runs if r.family == "Produce" and "batch" in r.params and "linger" in r.params]
    if not grid:
        return ctx.not_measured("sweep_bench", "Produce/batch:B/linger:L/...")
    groups = facets(grid, {"batch", "linger"})
    panels = []
    for params, group in groups:
        series = [Series(f"linger {linger} ms", [(r.params["batch"], r.get("records_per_s")) for r in group
                                                  if r.params["linger"] == linger and not r.error])
                  for linger in values_of(group, "linger")]
        panels.append(Panel(describe(params), "batch.num.messages", "records/s", series, logx=True,
                            logy=True, yformat="%.1s%c"))
    yrange = shared_range([y for p in panels for s in p.series for _, y in s.points], log=True)
    for panel in panels:
        panel.yrange = yrange
    out = [ctx.figure("sweep-throughput", "Producer throughput vs batch.num.messages, a line per "
                      "queue.buffering.max.ms", panels, ["sweep_bench"], columns=facet_columns(groups))]
    for params, group in groups:
        lingers = values_of(group, "linger")
        rows = []
        for batch in values_of(group, "batch"):
            cells = []
            for linger in lingers:
                run = next((r for r in group if r.params["batch"] == batch and r.params["linger"] == linger), None)
                cells.append("–" if run is None else "skipped" if run.error else count(run.get("records_per_s")))
            rows.append([batch] + cells)
        out.append(f"**{describe(params)}**: records/s by batch.num.messages (rows) and "
                   f"queue.buffering.max.ms (columns)")
        out.append(table(["batch.num.messages"] + [f"linger {v} ms" for v in lingers], rows))
        out.append(ctx.caption(["sweep_bench"]))
    out.append(_full_grid_table(ctx, grid))
    return "\n\n".join(out)


def _full_grid_table(ctx, grid):
    keys = sorted({k for r in grid for k in r.params}, key=lambda k: (k not in ("batch", "linger"), k))
    rows = []
    for r in sorted(grid, key=lambda r: [value_key(k, r.params.get(k)) for k in reversed(keys)]):
        rows.append([r.params.get(k, "") for k in keys] +
                    [count(r.get("records")), count(r.get("records_per_s")), sig(r.get("p50_us")),
                     sig(r.get("p99_us")), sig(r.get("p999_us")), count(r.get("errors")), run_status(r),
                     r.label])
    headers = [param_name(k) for k in keys] + ["records", "records/s", "p50 µs", "p99 µs", "p99.9 µs", "errors",
                                               "status", "label"]
    align = ["r"] * (len(headers) - 2) + ["l", "l"]
    return ("<details><summary>Every run of the Produce grid</summary>\n\n" + table(headers, rows, align) +
            "\n\n" +
            ctx.caption(["sweep_bench"]) + "\n\n</details>")


def _latency_point(grid):
    """The (batch, linger) at which latency is shown against acks: the targets' workload
    if it was measured, else the point with the most acks values (largest batch)."""
    points = {}
    for r in grid:
        points.setdefault((r.params["batch"], r.params["linger"]), set()).add(r.params["acks"])
    preferred = (PREFERRED_LATENCY_POINT["batch"], PREFERRED_LATENCY_POINT["linger"])
    if preferred in points and len(points[preferred]) > 1:
        return preferred
    return max(points, key=lambda p: (len(points[p]), sort_key(p[0]), sort_key(p[1])))


def latency_section(ctx, runs):
    """Markdown for latency percentiles vs acks."""
    grid = [r for r in runs if r.family == "Produce" and {"batch", "linger", "acks"} <= r.params.keys()
            and not r.error]
    if not grid:
        return ctx.not_measured("sweep_bench", "Produce/batch:B/linger:L/acks:A/...")
    batch, linger = _latency_point(grid)
    at_point = [r for r in grid if r.params["batch"] == batch and r.params["linger"] == linger]
    acks_values = values_of(at_point, "acks")
    ticks = [(f"{a} (all)" if a == -1 else str(a), i) for i, a in enumerate(acks_values)]
    panels, rows = [], []
    for params, group in facets(at_point, {"batch", "linger", "acks"}):
        series = []
        for counter, name in (("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")):
            series.append(Series(name, [(acks_values.index(r.params["acks"]), r.get(counter)) for r in group]))
        panels.append(Panel(describe(params), "acks", "send → callback latency, µs", series, logy=True,
                            xtics=ticks))
        for r in sorted(group, key=lambda r: value_key("acks", r.params["acks"])):
            rows.append([describe(params), r.params["acks"], count(r.get("records_per_s")), sig(r.get("p50_us")),
                         sig(r.get("p99_us")), sig(r.get("p999_us")), sig(r.get("max_us")), count(r.get("errors"))])
    title = f"Latency percentiles vs acks (batch.num.messages={batch}, queue.buffering.max.ms={linger})"
    intro = (f"From the Produce grid at batch.num.messages={batch} and queue.buffering.max.ms={linger}. "
             "Latency is each record's send() → callback; with acks=0 the callback comes when the request "
             "is written, without a response.")
    return "\n\n".join([intro, ctx.figure("latency-vs-acks", title, panels, ["sweep_bench"],
                                          columns=min(2, len(panels))),
                        table(["runs", "acks", "records/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "errors"],
                              rows),
                        ctx.caption(["sweep_bench"])])
