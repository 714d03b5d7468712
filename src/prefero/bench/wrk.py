"""Drive a server with wrk, a load generator written in C: it leaves the CPU to the server
being measured, where a Python client on the same cores would compete with it and so
understate it. Shared by ``bench http`` and ``bench processes``, so that both send the same
rotation of request paths and read wrk's report the same way."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

__all__ = ["WRK_SCRIPT", "parse_wrk_report", "run_wrk"]

# Each connection walks the same list of paths (one per line in PREFERO_WRK_PATHS), so the
# request mix is the one the caller sampled, not wrk's single URL.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("PREFERO_WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk_report(output: str) -> dict[str, float]:
    """Median, p90 and p99 latency (ms), requests per second and non-2xx/3xx answers from
    wrk's ``--latency`` report.

    >>> parse_wrk_report('''
    ...   Latency Distribution
    ...      50%    4.10ms
    ...      90%  850.00us
    ...      99%    1.20s
    ... Requests/sec:    512.25
    ... ''')
    {'median_ms': 4.1, 'p90_ms': 0.85, 'p99_ms': 1200.0, 'requests_per_s': 512.25, 'errors': 0.0}
    """
    figures: dict[str, float] = {}
    for percentile in ("50", "90", "99"):
        found = re.search(rf"^\s+{percentile}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", output,
                          re.MULTILINE)
        if found:
            name = "median_ms" if percentile == "50" else f"p{percentile}_ms"
            figures[name] = round(float(found.group(1)) * _UNITS[found.group(2)], 3)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures["requests_per_s"] = float(rate.group(1)) if rate else 0.0
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["errors"] = float(bad.group(1)) if bad else 0.0
    return figures


def run_wrk(base: str, paths: list[str], *, key: str, concurrency: int, seconds: float
            ) -> dict[str, float]:
    """``concurrency`` kept-alive connections from one wrk thread, each sending the next of
    ``paths`` as soon as the last answered, for ``seconds`` (whole seconds, at least one),
    with ``key`` as ``X-API-Key``; the figures of :func:`parse_wrk_report`."""
    with tempfile.TemporaryDirectory() as folder:
        path_file = Path(folder) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n", "utf-8")
        script = Path(folder) / "rotate.lua"
        script.write_text(WRK_SCRIPT, "utf-8")
        output = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(int(seconds), 1)}s", "--latency",
             "-H", f"X-API-Key: {key}", "-s", str(script), base],
            env={**os.environ, "PREFERO_WRK_PATHS": str(path_file)},
            capture_output=True, text=True, check=True,
        ).stdout
    return parse_wrk_report(output)
