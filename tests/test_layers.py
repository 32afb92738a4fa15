"""The layer rule: inspector/ and sync/ never import PySide6 or ui (import-linter contract)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = [sys.executable, "-c",
                "import sys; from importlinter.cli import lint_imports_command; "
                "sys.exit(lint_imports_command())"]


def test_import_linter_contract_holds() -> None:
    result = subprocess.run([*LINT_IMPORTS, "--config",
                             str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_the_contract_would_catch_a_qt_import(tmp_path: Path) -> None:
    """Guard against a contract that checks nothing: a Qt import in the domain is BROKEN."""
    project = tmp_path / "project"
    (project / "inspector").mkdir(parents=True)
    (project / "sync").mkdir()
    (project / "ui").mkdir()
    for package in ("inspector", "sync", "ui"):
        (project / package / "__init__.py").write_text("")
    (project / "inspector" / "bad.py").write_text("import PySide6.QtCore\n")
    (project / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run([*LINT_IMPORTS, "--config",
                             str(project / "pyproject.toml")], cwd=project, capture_output=True,
                            text=True, check=False, env={"PYTHONPATH": str(project),
                                                         "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
