#!/usr/bin/env python3
"""ctest perf_report_generator: make_report.py on the fixture files of fixtures/ (a tiny
sweep, five target compare files and one compression compare file with known PASS/FAIL, three microbenchmark files, meta.json,
commands.tsv and a profile note) writes every section and every chart, and computes the
verdicts and answers from the numbers; with no measurements at all it still writes every
section. Needs python3 and gnuplot only (no build, no measurement)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from make_report import GENERATED_LINE, SECTIONS  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
CHARTS = ["targets", "sweep-throughput", "latency-vs-acks", "replication", "delayed-produce-timeout"]
# fixtures/compare-T*.jsonl are made so: T1 both PASS, T2 both FAIL, T3 both PASS, T4 FAIL, T5 PASS.
EXPECTED_VERDICTS = ["PASS", "PASS", "FAIL", "FAIL", "PASS", "PASS", "FAIL", "PASS"]
# fixtures/compare-Z1.jsonl is T1's: both compression checks PASS; Z2-Z4 have no data.
EXPECTED_COMPRESSION_VERDICTS = ["PASS", "PASS"] + ["NO DATA"] * 6


def generate(raw, workdir, profile):
    out = os.path.join(workdir, "docs", "performance.md")
    charts = os.path.join(workdir, "docs", "performance")
    os.makedirs(charts, exist_ok=True)
    with open(os.path.join(charts, "stale.png"), "wb") as f:  # an older report's chart
        f.write(b"old")
    result = subprocess.run([sys.executable, os.path.join(HERE, "make_report.py"), "report", "--raw", raw,
                             "--out", out, "--charts", charts, "--profile", profile],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"make_report.py failed:\n{result.stdout}\n{result.stderr}")
    with open(out, encoding="utf-8") as f:
        return f.read(), charts


class GeneratorTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="perf-report-test-")

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def check_common(self, markdown, charts):
        self.assertEqual(markdown.splitlines()[0], GENERATED_LINE)
        for section in SECTIONS:
            self.assertIn(f"\n## {section}\n", markdown, section)
        links = re.findall(r"!\[[^\]]*\]\(performance/([^)]+)\)", markdown)
        self.assertEqual(sorted(links), sorted(c + ".png" for c in CHARTS))
        for name in links:
            path = os.path.join(charts, name)
            self.assertTrue(os.path.isfile(path), path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", path)
            self.assertGreater(os.path.getsize(path), 1000, path)
        self.assertFalse(os.path.exists(os.path.join(charts, "stale.png")))

    def test_fixtures(self):
        markdown, charts = generate(FIXTURES, self.workdir, os.path.join(FIXTURES, "performance-profile.md"))
        self.check_common(markdown, charts)
        verdicts = re.findall(r"^\| T\d \|.*\| \*\*(PASS|FAIL|NO DATA)\*\* \|$", markdown, re.M)
        self.assertEqual(verdicts, EXPECTED_VERDICTS)
        compression = re.findall(r"^\| Z\d \|.*\| \*\*(PASS|FAIL|NO DATA)\*\* \|$", markdown, re.M)
        self.assertEqual(compression, EXPECTED_COMPRESSION_VERDICTS)
        # Every figure and table says where, when, at which commit and by which command.
        captions = re.findall(r"^_(?:Data|Figure .*?): (.*)_$", markdown, re.M)
        self.assertGreaterEqual(len(captions), len(CHARTS) + 10)
        for caption in captions:
            self.assertIn("Fixture CPU, 2 CPUs, 4.0 GiB RAM", caption)
            self.assertIn("commit abc1234+dirty", caption)
            self.assertIn("2026-01-02", caption)
            self.assertIn("command", caption)
        for image in re.finditer(r"^!\[.*\n\n(.*)$", markdown, re.M):
            self.assertTrue(image.group(1).startswith("_Figure"), image.group(0))
        # Answers computed from the numbers.
        self.assertRegex(markdown, r"RF 1→2: throughput [+-]\d+\.\d% \([\d,]+ → [\d,]+ records/s\)")
        self.assertRegex(markdown, r"with request\.timeout\.ms=50 and [^,]+, [\d,]+ of [\d,]+ records were "
                                   r"written more than once")
        self.assertIn("records (100.0%) written more than once", markdown)  # stalled followers
        self.assertIn("skipped: fixture: 3 callbacks missing", markdown)
        self.assertIn("**1 run(s) failed**", markdown)  # T4's third run
        self.assertIn("Scaled-down run", markdown)
        # The profile note, its headings moved down, a comment in a code block left alone.
        self.assertIn("\n### Fixture profile\n", markdown)
        self.assertIn("\n# not a heading\n", markdown)

    def test_nothing_measured(self):
        raw = os.path.join(self.workdir, "raw")
        os.makedirs(raw)
        shutil.copy(os.path.join(FIXTURES, "meta.json"), raw)
        markdown, charts = generate(raw, self.workdir, os.path.join(self.workdir, "absent-profile.md"))
        self.assertEqual(markdown.splitlines()[0], GENERATED_LINE)
        for section in SECTIONS:
            self.assertIn(f"\n## {section}\n", markdown, section)
        self.assertEqual(re.findall(r"\*\*(NO DATA)\*\*", markdown),
                         ["NO DATA"] * (len(EXPECTED_VERDICTS) + len(EXPECTED_COMPRESSION_VERDICTS)))
        self.assertIn("Not measured", markdown)
        self.assertIn("does not exist yet", markdown)
        # Without sweep data only the targets chart is drawn, its panels saying "no data".
        self.assertEqual(re.findall(r"!\[[^\]]*\]\(performance/([^)]+)\)", markdown), ["targets.png"])
        self.assertGreater(os.path.getsize(os.path.join(charts, "targets.png")), 1000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
