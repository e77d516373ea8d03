"""Reads what scripts/perf-report.sh saves under build/perf-report/.

Google Benchmark JSON (codec_bench, broker_bench, client_bench, sweep_bench), the JSON
lines of `kafkalite-perf compare --output`, meta.json and commands.tsv. Benchmark names
are split generically ("Family/key:value/.../iterations:1/manual_time"), so a new
parameter of a suite becomes one more key rather than a parse error.
"""

import json
import os
import statistics
from dataclasses import dataclass, field

# Parts of a Google Benchmark name that describe how it ran, not what it measured.
_RUN_KEYS = {"iterations", "repeats", "threads", "min_time", "min_warmup_time"}
_RUN_FLAGS = {"manual_time", "real_time", "process_time"}
# Numeric fields of a benchmark entry that are bookkeeping, not measurements.
_BOOKKEEPING = {"family_index", "per_family_instance_index", "repetitions", "repetition_index", "threads",
                "iterations"}


def number(text):
    """"200" -> 200, "-1" -> -1, "0.5" -> 0.5, anything else unchanged."""
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            pass
    return text


def sort_key(value):
    """Orders parameter values: numbers numerically, before strings."""
    value = number(value)
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


@dataclass
class BenchRun:
    """One benchmark of a Google Benchmark JSON file (the median of its repetitions)."""
    name: str                      # the name without the run-describing parts
    family: str                    # "Produce"
    params: dict                   # {"batch": 200, "linger": 5, ...} (numbers where they parse)
    positional: list               # unnamed arguments ("BM_Crc32cPortable/65536" -> [65536])
    values: dict                   # real_time, cpu_time and every user counter
    time_unit: str = "ns"
    label: str = ""
    error: str = ""                # set when the benchmark skipped with an error

    def get(self, key, default=None):
        return self.values.get(key, default)


def split_name(name):
    """'Produce/batch:200/linger:5/iterations:1/manual_time' ->
    ('Produce', {'batch': 200, 'linger': 5}, [])."""
    parts = name.split("/")
    params, positional = {}, []
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if sep:
            if key not in _RUN_KEYS:
                params[key] = number(value)
        elif part not in _RUN_FLAGS:
            positional.append(number(part))
    return parts[0], params, positional


def load_benchmarks(path):
    """The runs of a Google Benchmark JSON file, in file order; [] if it does not exist.
    Aggregates are ignored: repetitions are combined here, by their median."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    grouped = {}
    for entry in doc.get("benchmarks", []):
        if entry.get("run_type", "iteration") != "iteration":
            continue
        grouped.setdefault(entry.get("run_name", entry["name"]), []).append(entry)
    runs = []
    for run_name, entries in grouped.items():
        family, params, positional = split_name(run_name)
        values = {}
        for key in {k for e in entries for k, v in e.items() if _is_number(v) and k not in _BOOKKEEPING}:
            values[key] = statistics.median(e[key] for e in entries if _is_number(e.get(key)))
        first = entries[0]
        error = first.get("error_message", "") if first.get("error_occurred") else ""
        clean = "/".join([family] + [str(p) for p in positional] + [f"{k}:{v}" for k, v in params.items()])
        runs.append(BenchRun(clean, family, params, positional, values, first.get("time_unit", "ns"),
                             first.get("label", ""), error))
    return runs


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class Comparison:
    """One `kafkalite-perf compare --output` file."""
    runs: list = field(default_factory=list)     # the {"run": k, ...} objects
    sides: list = field(default_factory=list)    # side names in the summary's order
    medians: dict = field(default_factory=dict)  # side -> {figure: median}
    ratio: dict = field(default_factory=dict)    # figure -> first side / second side

    @property
    def measured(self):
        return bool(self.sides) and all(self.medians.get(s) for s in self.sides)

    def failed_runs(self):
        return [r for r in self.runs if "error" in r or r.get("exit_status", 0) != 0 or r.get("errors", 0) > 0]


def load_comparison(path):
    """The comparison in `path`, or None if the file does not exist."""
    if not os.path.exists(path):
        return None
    result = Comparison()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if "summary" in obj:
                for name, figures in obj["summary"].items():
                    if name == "ratio":
                        result.ratio = figures
                    else:
                        result.sides.append(name)
                        result.medians[name] = figures
            else:
                result.runs.append(obj)
    return result


@dataclass
class Step:
    """One line of commands.tsv: a command the script ran."""
    name: str
    start: str      # UTC, ISO 8601
    seconds: float
    status: int
    command: str


def load_steps(path):
    """commands.tsv as {name: Step}; {} if it does not exist."""
    steps = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 4)
                if len(parts) == 5:
                    steps[parts[0]] = Step(parts[0], parts[1], float(parts[2]), int(parts[3]), parts[4])
    return steps


def load_meta(path):
    """meta.json, or {} if it does not exist."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)
