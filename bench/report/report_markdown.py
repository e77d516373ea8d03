"""Markdown pieces of the report: tables, number formats, and the provenance line that
every table and figure carries (machine, commit, date, exact command)."""

import math


def table(headers, rows, align=None):
    """A GitHub markdown table. `align`: one of "l"/"r" per column (default: first
    column left, the others right)."""
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


def _cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def count(value):
    """1234567.8 -> "1,234,568"; missing -> "–"."""
    return f"{value:,.0f}" if is_number(value) else "–"


def fixed(value, digits=2):
    return f"{value:,.{digits}f}" if is_number(value) else "–"


def sig(value, digits=3):
    """Three significant digits: 1.23e-06, 0.0456, 12.3, 1,234."""
    if not is_number(value):
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -3:
        return f"{value:.{digits - 1}e}"
    if magnitude >= digits:
        return f"{round(value, digits - 1 - magnitude):,.0f}"
    return f"{value:,.{max(0, digits - 1 - magnitude)}f}"


def percent_change(before, after):
    """Relative change in percent, or None when it cannot be computed."""
    if not (is_number(before) and is_number(after)) or before == 0:
        return None
    return (after - before) / before * 100


def signed_percent(change):
    return "–" if change is None else f"{change:+.1f}%"


def code(text):
    """Inline code, safe for backticks inside the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class Provenance:
    """Machine, commit and date of the measurements, from meta.json and commands.tsv."""

    def __init__(self, meta, steps):
        self.meta = meta
        self.steps = steps

    @property
    def machine(self):
        m = self.meta
        memory = m.get("memory_gib")
        return (f"{m.get('cpu_model', 'unknown CPU')}, {m.get('cpus', '?')} CPUs, "
                + (f"{memory:.1f} GiB RAM" if is_number(memory) else "? GiB RAM"))

    @property
    def commit(self):
        return self.meta.get("commit", "unknown")

    def date(self, step=None):
        """'2026-11-28 21:14 UTC': the step's start, else the report's."""
        start = self.steps[step].start if step in self.steps else self.meta.get("started", "")
        return start.replace("T", " ").replace("Z", "")[:16] + " UTC" if start else "unknown date"

    def command(self, step):
        return self.steps[step].command if step in self.steps else None

    def footer(self, steps):
        """The one-line stamp drawn on a chart."""
        dates = sorted({self.date(s) for s in steps}) or [self.date()]
        return f"kafkalite {self.commit} | {self.machine} | {dates[0]}"

    def caption(self, steps, what="Data"):
        """The italic line under a table or figure: what ran, where, when."""
        steps = [s for s in steps if s]
        commands = [(s, self.command(s)) for s in steps if self.command(s)]
        dates = sorted({self.date(s) for s in steps if s in self.steps}) or [self.date()]
        text = f"_{what}: {self.machine}; commit {self.commit}; {', '.join(dates)}; "
        if len(commands) == 1:
            text += "command: " + code(commands[0][1])
        elif commands:
            text += "commands: " + "; ".join(f"{s} {code(c)}" for s, c in commands)
        else:
            text += "command: not run"
        return text + "._"
