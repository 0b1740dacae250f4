"""No module imports another module's private names. ruff's SLF001 catches ``module._name`` reach-ins;
this catches ``from module import _name``, which ruff only checks in preview."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name} from {node.module}"
                    )
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    files = [p for top in ("bot", "handlers", "models") for p in (ROOT / top).rglob("*.py")]
    assert len(files) > 50
    offenders = [line for path in files for line in _private_imports(path)]
    assert offenders == []
