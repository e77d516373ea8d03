"""The two questions the sweep's scenario suites answer, with the answer written from the
numbers: what each added replica costs (Replication/rf:R/acks:A) and what producers see
when DelayedProduce times out (DelayedProduceTimeout/fault:F/request_timeout_ms:T)."""

from report_charts import Panel, Series
from report_markdown import count, is_number, percent_change, sig, signed_percent, table
from report_sweep import describe, value_key, values_of

NOISE_PERCENT = 5.0  # one run per point: smaller changes are not called an effect


def _trend(change, lower_is_expected):
    if change is None:
        return "not measured"
    if abs(change) <= NOISE_PERCENT:
        return f"{signed_percent(change)} (within ±{NOISE_PERCENT:g}%)"
    went_down = change < 0
    word = "lower" if went_down else "higher"
    return f"{signed_percent(change)} ({word}" + (")" if went_down == lower_is_expected else ", the other way)")


def _step_text(before, after, counter, unit):
    a, b = before.get(counter), after.get(counter)
    return f"{signed_percent(percent_change(a, b))} ({sig(a) if unit == 'µs' else count(a)} → " \
           f"{sig(b) if unit == 'µs' else count(b)} {unit})"


def _verdict(changes, what, lower_is_expected):
    """One sentence: did every step move `what` the expected way, and by how much."""
    measured = [(step, c) for step, c in changes if c is not None]
    if not measured:
        return f"{what}: not measured."
    expected = [c < -NOISE_PERCENT if lower_is_expected else c > NOISE_PERCENT for _, c in measured]
    direction = "lowered" if lower_is_expected else "raised"
    listed = ", ".join(f"{step}: {signed_percent(c)}" for step, c in measured)
    if all(expected):
        return f"Yes, each added replica {direction} {what} ({listed})."
    if all(abs(c) <= NOISE_PERCENT for _, c in measured):
        return f"No measurable effect on {what}: every step is within ±{NOISE_PERCENT:g}% ({listed})."
    return f"Not every added replica {direction} {what} ({listed}; a step counts when it moves more than " \
           f"{NOISE_PERCENT:g}% the expected way)."


def replication_section(ctx, runs):
    rep = [r for r in runs if r.family == "Replication" and {"rf", "acks"} <= r.params.keys() and not r.error]
    if not rep:
        return ctx.not_measured("sweep_bench", "Replication/rf:R/acks:A")
    acks_values = values_of(rep, "acks")
    throughput, latency, rows, answers = [], [], [], []
    for i, acks in enumerate(acks_values):
        by_rf = sorted((r for r in rep if r.params["acks"] == acks), key=lambda r: value_key("rf", r.params["rf"]))
        throughput.append(Series(f"acks={acks}", [(r.params["rf"], r.get("records_per_s")) for r in by_rf]))
        for counter, name in (("p50_us", "p50"), ("p99_us", "p99")):
            latency.append(Series(f"{name}, acks={acks}", [(r.params["rf"], r.get(counter)) for r in by_rf],
                                  dashed=i > 0))
        previous = None
        for r in by_rf:
            step = percent_change(previous.get("records_per_s"), r.get("records_per_s")) if previous else None
            p99 = percent_change(previous.get("p99_us"), r.get("p99_us")) if previous else None
            rows.append([acks, r.params["rf"], count(r.get("records")), count(r.get("records_per_s")),
                         signed_percent(step), sig(r.get("p50_us")), sig(r.get("p99_us")), signed_percent(p99),
                         sig(r.get("p999_us")), count(r.get("errors"))])
            previous = r
        answers.append(_answer_for_acks(acks, by_rf))
    rf_ticks = sorted({r.params["rf"] for r in rep})
    panels = [Panel("throughput", "replication factor", "records/s", throughput, yformat="%.1s%c",
                    xtics=[(str(v), v) for v in rf_ticks]),
              Panel(f"latency (solid: acks={acks_values[0]}"
                    + (f"; dashed: acks={', '.join(map(str, acks_values[1:]))})" if len(acks_values) > 1 else ")"),
                    "replication factor", "µs", latency,
                    logy=True, xtics=[(str(v), v) for v in rf_ticks])]
    intro = ("The Replication suite of sweep_bench: the targets' workload (batch.num.messages=10000, "
             "queue.buffering.max.ms=5, 100-byte records, 6 partitions on 3 brokers) at each replication factor "
             f"and acks, one run per point ({rep[0].label.split(' ')[0] if rep[0].label else 'records: ?'}). "
             f"Changes within ±{NOISE_PERCENT:g}% are treated as noise. With acks=1 the leader answers before "
             "its followers copy the batch, so replicas cost the producer only through the extra work on "
             "the same machine; with acks=-1 every batch waits for the whole ISR.")
    return "\n\n".join([intro] + answers + [
        ctx.figure("replication", "Throughput and latency vs replication factor", panels, ["sweep_bench"],
                   columns=2),
        table(["acks", "RF", "records", "records/s", "Δ records/s", "p50 µs", "p99 µs", "Δ p99", "p99.9 µs",
               "errors"], rows),
        ctx.caption(["sweep_bench"])])


def _answer_for_acks(acks, by_rf):
    lines = [f"**acks={acks}**"]
    if len(by_rf) < 2:
        return lines[0] + ": only one replication factor measured."
    tp_steps, p99_steps = [], []
    for before, after in zip(by_rf, by_rf[1:]):
        name = f"RF {before.params['rf']}→{after.params['rf']}"
        tp = percent_change(before.get("records_per_s"), after.get("records_per_s"))
        p99 = percent_change(before.get("p99_us"), after.get("p99_us"))
        tp_steps.append((name, tp))
        p99_steps.append((name, p99))
        lines.append(f"- {name}: throughput {_step_text(before, after, 'records_per_s', 'records/s')}, "
                     f"p50 {_step_text(before, after, 'p50_us', 'µs')}, "
                     f"p99 {_step_text(before, after, 'p99_us', 'µs')}.")
    first, last = by_rf[0], by_rf[-1]
    if len(by_rf) > 2:
        lines.append(f"- RF {first.params['rf']}→{last.params['rf']} overall: throughput "
                     f"{_trend(percent_change(first.get('records_per_s'), last.get('records_per_s')), True)}, "
                     f"p99 {_trend(percent_change(first.get('p99_us'), last.get('p99_us')), False)}.")
    lines.append(f"- {_verdict(tp_steps, 'throughput', True)} {_verdict(p99_steps, 'p99 latency', False)}")
    return "\n".join(lines)


def _fault_text(run):
    """The fault's description: the label's first part ('leader (broker 1) RTT 100 ms')."""
    first = run.label.split("; ")[0] if run.label else ""
    return first if first and not first.startswith("records:") else str(run.params.get("fault", ""))


def _error_kinds(run):
    return run.label.split("errors: ", 1)[1] if "errors: " in run.label else ""


def _copies(most):
    return "no copy in the log" if not most else "one copy each" if most == 1 else \
        f"up to {count(most)} copies of one record"


def timeout_section(ctx, runs):
    tr = [r for r in runs if r.family == "DelayedProduceTimeout" and "request_timeout_ms" in r.params]
    if not tr:
        return ctx.not_measured("sweep_bench", "DelayedProduceTimeout/fault:F/request_timeout_ms:T")
    groups = {}
    for r in tr:
        others = {k: v for k, v in r.params.items() if k != "request_timeout_ms"}
        groups.setdefault(str(others["fault"]) if list(others) == ["fault"] else describe(others), []).append(r)
    panels = []
    for counter, title, unit in (("errors", "records failed (callback error)", "records"),
                                 ("duplicates", "records written more than once", "records"),
                                 ("failed_but_written", "failed, yet in the log", "records"),
                                 ("records_per_s", "throughput (delivered)", "records/s")):
        series = [Series(name, [(r.params["request_timeout_ms"], r.get(counter)) for r in group if not r.error])
                  for name, group in groups.items()]
        panels.append(Panel(title, "request.timeout.ms", unit, series, logx=True,
                            yformat="%.1s%c" if counter == "records_per_s" else ""))
    rows = []
    for name, group in groups.items():
        for r in sorted(group, key=lambda r: r.params["request_timeout_ms"]):
            rows.append([name, r.params["request_timeout_ms"], count(r.get("records")), count(r.get("delivered")),
                         count(r.get("errors")), count(r.get("duplicates")), count(r.get("extra_copies")),
                         count(r.get("max_copies")), count(r.get("failed_but_written")),
                         count(r.get("lost_acked")), count(r.get("committed_records")),
                         count(r.get("records_per_s")), sig(r.get("p99_us")),
                         r.error and "skipped: " + r.error or _error_kinds(r) or "–"])
    intro = ("The DelayedProduceTimeout suite of sweep_bench: acks=-1, replication factor 3, every partition led "
             "by broker 1, a fault that slows or stops replication, and request.timeout.ms (the broker's "
             "DelayedProduce timeout and the producer's own deadline) from short to long. Each record's value "
             "carries its sequence number, so the leader's log shows which records were appended more than once.")
    return "\n\n".join([intro, _timeout_answer(groups),
                        ctx.figure("delayed-produce-timeout", "Producers when DelayedProduce times out", panels,
                                   ["sweep_bench"], columns=2),
                        table(["fault", "request.timeout.ms", "records", "delivered", "errors", "duplicates",
                               "extra copies", "max copies", "failed but written", "acked but lost",
                               "committed", "records/s", "p99 µs", "errors by kind"], rows,
                              ["l"] + ["r"] * 12 + ["l"]),
                        ctx.caption(["sweep_bench"])])


def _timeout_answer(groups):
    lines = []
    all_runs = [r for g in groups.values() for r in g if not r.error]
    for name, group in groups.items():
        fault = _fault_text(group[0])
        lines.append(f"\n**{name}** ({fault}):\n")
        for r in sorted(group, key=lambda r: r.params["request_timeout_ms"]):
            t = r.params["request_timeout_ms"]
            if r.error:
                lines.append(f"- request.timeout.ms={t}: the run was skipped ({r.error}).")
                continue
            m, errors, dup = r.get("records"), r.get("errors", 0), r.get("duplicates", 0)
            kinds = f" ({_error_kinds(r)})" if errors and _error_kinds(r) else ""
            lines.append(f"- with request.timeout.ms={t} and {fault}, {count(dup)} of {count(m)} records were "
                         f"written more than once ({_copies(r.get('max_copies'))}); "
                         + (f"{count(errors)} of {count(m)} failed{kinds}, {count(r.get('failed_but_written'))} of "
                            "them in the log anyway; " if errors else "none failed; ")
                         + f"{count(r.get('records_per_s'))} records/s delivered.")
    lines.append("")
    lines.append("In short:\n")
    dup_runs = [r for r in all_runs if r.get("duplicates", 0) > 0]
    if dup_runs:
        worst = max(dup_runs, key=lambda r: r.get("duplicates") / max(1, r.get("records", 1)))
        lines.append(f"- Duplicates appeared in {len(dup_runs)} of {len(all_runs)} runs; the most with "
                     f"request.timeout.ms={worst.params['request_timeout_ms']} and {_fault_text(worst)}: "
                     f"{count(worst.get('duplicates'))} of {count(worst.get('records'))} records "
                     f"({worst.get('duplicates') / max(1, worst.get('records')) * 100:.1f}%) written more than once.")
    else:
        lines.append(f"- No record was written more than once in any of the {len(all_runs)} runs.")
    err_runs = [r for r in all_runs if r.get("errors", 0) > 0]
    lines.append(f"- {len(err_runs)} of {len(all_runs)} runs had failed records"
                 + (": " + "; ".join(f"request.timeout.ms={r.params['request_timeout_ms']} with "
                                     f"{_fault_text(r)}: {count(r.get('errors'))} of {count(r.get('records'))}"
                                     for r in err_runs) if err_runs else "") + ".")
    fbw = sum(r.get("failed_but_written", 0) for r in all_runs)
    failed = sum(r.get("errors", 0) for r in all_runs)
    lines.append(f"- {count(fbw)} of the {count(failed)} records reported as failed were in the log anyway "
                 "(a producer that retries them itself writes them twice)." if failed else
                 "- No record was reported as failed.")
    lost = sum(r.get("lost_acked", 0) for r in all_runs)
    lines.append(f"- {count(lost)} acknowledged records were missing from the log." if lost else
                 "- Every acknowledged record was in the log.")
    for name, group in groups.items():
        ok = sorted((r for r in group if not r.error and is_number(r.get("records_per_s"))),
                    key=lambda r: r.params["request_timeout_ms"])
        if len(ok) > 1:
            lines.append(f"- Throughput with {name}: {count(ok[0].get('records_per_s'))} records/s at "
                         f"request.timeout.ms={ok[0].params['request_timeout_ms']}, "
                         f"{count(ok[-1].get('records_per_s'))} at {ok[-1].params['request_timeout_ms']}.")
    return "\n".join(lines)
