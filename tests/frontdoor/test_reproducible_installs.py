"""Two installs a month apart are the same install: uv.lock pins everything and agrees with pyproject.toml,
every dependency has an upper bound, `make` installs from the lock, and pre-commit runs `make lint`'s checks."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from scripts.services import ROOT


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "make install puts uv in .tools/bin"
    return found


def test_the_lock_agrees_with_pyproject() -> None:
    checked = subprocess.run(
        [_uv(), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_every_dependency_has_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    unbounded = [r for r in requirements if not re.search(r"(==|<|~=)", r)]
    assert not unbounded, f"no upper bound: {unbounded}"


def test_make_installs_from_the_lock_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "sync --locked" in makefile and "pip install --quiet -e" not in makefile
    locked = tomllib.loads((ROOT / "uv.lock").read_text())
    names = {package["name"] for package in locked["package"]}
    assert {"litestar", "sqlalchemy", "stripe", "localstripe", "swagger-ui-py"} <= names
    assert all("version" in package for package in locked["package"])


def test_pre_commit_runs_the_same_checks_as_make_lint() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    lint_commands = {line.strip().removeprefix("$(BIN)/") for line in lint.splitlines()[1:] if line.strip()}
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    hooks = re.findall(r"entry: \.venv/bin/(\S+(?: \S+)?)\n\s+args: \[([^\]]*)\]", config)
    hook_commands = {f"{entry} {' '.join(a.strip() for a in args.split(','))}".strip() for entry, args in hooks}
    assert lint_commands == hook_commands, (lint_commands, hook_commands)
