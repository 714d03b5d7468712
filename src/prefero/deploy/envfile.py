"""The operator's keys and secrets in a file (``--env-file``), read without a shell.

Production refuses the built-in keys, so the deployment needs the operator's own; a file
readable only by them (``chmod 600``) keeps the secrets out of shell history and ``ps``.
The format is the usual ``NAME=value`` per line (``#`` comments, blank lines, an optional
``export``, a value optionally in matching single or double quotes, taken literally: no
``$`` expansion, so a secret holding ``$`` stays as written).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["merged_environment", "parse_env_text", "read_env_file"]

_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def parse_env_text(text: str, *, source: str = "env file") -> dict[str, str]:
    """The variables of an env file's ``text``; a line that is neither a comment nor
    ``NAME=value`` is refused with its number, since guessing would start the servers with
    a secret missing.

    >>> parse_env_text('# keys\\nexport A=1\\nB = "two words"\\nC=\\'["x"]\\'\\n\\nD=a#b')
    {'A': '1', 'B': 'two words', 'C': '["x"]', 'D': 'a#b'}
    >>> parse_env_text("oops")
    Traceback (most recent call last):
    ...
    ValueError: env file, line 1: expected NAME=value
    """
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{source}, line {number}: expected NAME=value")
        name, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name] = value
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of the env file at ``path`` (see :func:`parse_env_text`)."""
    return parse_env_text(path.read_text("utf-8"), source=str(path))


def merged_environment(environ: Mapping[str, str], file_values: Mapping[str, str]
                       ) -> dict[str, str]:
    """The file fills in what the environment leaves unset: a variable set for one run
    (``PREFERO_RATE_LIMIT_API_KEY=... deploy/up``) wins over the file, as with most tools
    that read env files.

    >>> merged_environment({"A": "shell"}, {"A": "file", "B": "file"})
    {'A': 'shell', 'B': 'file'}
    """
    return {**file_values, **environ}
