"""The layer rules (import-linter contracts): inspector/ and sync/ never import PySide6 or ui;
ui and the CLI sit over operations, over documents and sync, over the domain, over the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = [sys.executable, "-c",
                "import sys; from importlinter.cli import lint_imports_command; "
                "sys.exit(lint_imports_command())"]
PACKAGES = ("inspector", "inspector/core", "inspector/domain", "inspector/reports",
            "inspector/ops", "inspector/cli", "sync", "ui")


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LINT_IMPORTS, str(project / "pyproject.toml")], cwd=project,
                          capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"})


def test_import_linter_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("KEPT") == 2


@pytest.mark.parametrize(("module", "source", "contract"), [
    ("inspector/domain/bad.py", "import PySide6.QtCore\n", "never import Qt"),
    ("sync/bad.py", "import ui\n", "never import Qt"),
    ("inspector/core/bad.py", "import inspector.domain\n", "Layers"),
    ("inspector/domain/bad.py", "import inspector.reports\n", "Layers"),
    ("sync/bad.py", "import inspector.cli\n", "Layers"),
    ("inspector/reports/bad.py", "import inspector.ops\n", "Layers"),
])
def test_the_contracts_catch_a_wrong_import(tmp_path: Path, module: str, source: str,
                                            contract: str) -> None:
    """Guard against contracts that check nothing: each wrong import is BROKEN."""
    project = tmp_path / "project"
    for package in PACKAGES:
        (project / package).mkdir(parents=True, exist_ok=True)
        (project / package / "__init__.py").write_text("")
    (project / module).write_text(source)
    (project / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = lint(project)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert broken and contract in " ".join(broken), result.stdout
