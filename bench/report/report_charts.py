"""PNG charts through gnuplot: line charts and bar charts, one or more panels per image.

The data go inline (gnuplot datablocks) in a script fed to gnuplot's stdin; nothing but
the PNG is written. The terminal is pngcairo when this gnuplot has it (Debian's
gnuplot-nox does), else libgd's png. $GNUPLOT names another gnuplot program.
"""

import math
import os
import re
import subprocess
from dataclasses import dataclass, field

LOG_SPAN = 10
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


@dataclass
class Series:
    """A line: [(x, y)] with a title; dashed lines tell a second group apart."""
    title: str
    points: list
    dashed: bool = False


@dataclass
class Bar:
    label: str
    value: float
    text: str = ""  # printed above the bar (default: the value)


@dataclass
class Panel:
    """One plot. Lines when `series` is given, bars when `bars` is."""
    title: str
    xlabel: str = ""
    ylabel: str = ""
    series: list = field(default_factory=list)
    bars: list = field(default_factory=list)
    logx: bool = False
    logy: bool = False
    xtics: list = None                           # [(label, x)]: categorical x positions
    hlines: list = field(default_factory=list)  # [(title, y)]: limits drawn across the panel
    yformat: str = ""                            # gnuplot format of the y tics, e.g. "%.1s%c"
    yrange: tuple = None                         # (low, high), e.g. shared by the panels of a figure


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class Gnuplot:
    """Renders panels to PNG files. Raises RuntimeError when gnuplot fails."""

    def __init__(self, program=None):
        self.program = program or os.environ.get("GNUPLOT", "gnuplot")
        listing = subprocess.run([self.program, "-e", "set terminal"], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, check=False)
        terminals = listing.stdout + listing.stderr
        self.terminal = "pngcairo" if re.search(r"^\s*pngcairo\s", terminals, re.M) else "png"

    def render(self, path, title, footer, panels, columns=1, panel_size=(900, 460)):
        rows = math.ceil(len(panels) / columns)
        width, height = panel_size[0] * columns, panel_size[1] * rows + 60
        font = 'font "sans,10"' if self.terminal == "pngcairo" else "small"
        out = [f"set terminal {self.terminal} noenhanced size {width},{height} {font}",
               f"set output {_quote(path)}", "set encoding utf8"]
        blocks, plots = [], []
        for p, panel in enumerate(panels):
            plots.append(self._panel(panel, p, blocks))
        out += blocks
        out.append(f"set multiplot layout {rows},{columns} title {_quote(title + chr(10) + footer)}")
        for plot in plots:
            out += plot
        out.append("unset multiplot")
        result = subprocess.run([self.program], input="\n".join(out) + "\n", capture_output=True, text=True,
                                check=False)
        if result.returncode != 0 or not os.path.exists(path) or os.path.getsize(path) == 0:
            raise RuntimeError(f"gnuplot failed on {path}: {result.stderr.strip()}")

    def _panel(self, panel, index, blocks):
        has_data = any(_finite(y) for s in panel.series for _, y in s.points) or \
            any(_finite(b.value) for b in panel.bars)
        ys = [y for s in panel.series for _, y in s.points if _finite(y)] + \
             [b.value for b in panel.bars if _finite(b.value)]
        # A log axis only where the values span a factor of LOG_SPAN or more.
        low, high = panel.yrange or (min(ys, default=0), max(ys, default=0))
        logy = panel.logy and ys and low > 0 and high / low >= LOG_SPAN
        xs = [x for s in panel.series for x, _ in s.points]
        logx = panel.logx and xs and min(xs) > 0 and max(xs) / min(xs) >= LOG_SPAN
        yrange = f"[{low}:{high}]" if panel.yrange else "[*:*]"
        cmds = [f"set title {_quote(panel.title)}",
                f"set xlabel {_quote(panel.xlabel + (' (log scale)' if logx else ''))}",
                f"set ylabel {_quote(panel.ylabel + (' (log scale)' if logy else ''))}", "set grid", "unset label",
                "set logscale x" if logx else "unset logscale x",
                "set logscale y" if logy else "unset logscale y",
                f"set format y {_quote(panel.yformat)}" if panel.yformat else 'set format y "% h"',
                "set key outside right top vertical" if not panel.bars else "unset key",
                "set offsets graph 0.04, graph 0.04, graph 0.06, 0" if not panel.bars else "set offsets",
                "set xrange [*:*]", "set autoscale xfix", f"set yrange {yrange}", "set xtics", "set ytics",
                "set style fill empty"]
        if not has_data:
            return cmds + ["set xrange [0:1]", "set yrange [0:1]", "unset xtics", "unset ytics",
                           'set label "no data" at graph 0.5,0.5 center', "plot -1 notitle"]
        ticks = panel.xtics
        if not ticks and panel.series and len(set(xs)) <= 8:  # few x values: a tic at each
            ticks = [(f"{x:g}", x) for x in sorted(set(xs))]
        if ticks:
            cmds.append("set xtics (" + ", ".join(f"{_quote(label)} {x}" for label, x in ticks) + ")")
        terms = []
        if panel.bars:
            name = f"$bars{index}"
            rows = [f'{i + 1} {_quote(b.label)} {b.value if _finite(b.value) else "NaN"} '
                    f'{_quote(b.text or "")} {i % len(COLORS)}' for i, b in enumerate(panel.bars)]
            blocks += [f"{name} << EOD"] + rows + ["EOD"]
            top = max(ys + [y for _, y in panel.hlines if _finite(y)])
            cmds += ["set style fill solid 0.85 border -1", f"set xrange [0.4:{len(panel.bars) + 0.6}]",
                     f"set yrange [0:{top * 1.25}]",
                     "set linetype cycle 9"] + \
                    [f"set linetype {i + 1} lc rgb {_quote(c)}" for i, c in enumerate(COLORS)]
            terms.append(f"{name} using 1:3:(0.6):($5+1):xtic(2) with boxes lc variable notitle")
            terms.append(f"{name} using 1:3:4 with labels offset 0,0.8 notitle")
        for s, series in enumerate(panel.series):
            points = [(x, y) for x, y in series.points if _finite(y) and (not logy or y > 0)]
            if not points:
                continue
            name = f"$line{index}_{s}"
            blocks += [f"{name} << EOD"] + [f"{x} {y}" for x, y in sorted(points)] + ["EOD"]
            style = f'lc rgb {_quote(COLORS[s % len(COLORS)])} lw 2 pt {5 + s % 4} ps 1'
            if series.dashed:
                style += " dt 2"
            terms.append(f"{name} using 1:2 with linespoints {style} title {_quote(series.title)}")
        for h, (label, y) in enumerate(panel.hlines):
            if _finite(y):
                terms.append(f"{y} with lines dt 3 lw 2 lc rgb {_quote('#444444' if h == 0 else '#aa6600')} "
                             f"title {_quote(label)}")
                if panel.bars:
                    cmds.append(f"set label {_quote(label)} at graph 0.02, first {y} offset 0,0.6 front tc rgb "
                                f"{_quote('#444444' if h == 0 else '#aa6600')}")
        return cmds + ["plot " + ", ".join(terms)]
