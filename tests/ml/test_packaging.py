"""The logged model carries only the modules it imports at load time."""

from __future__ import annotations

import ast
from pathlib import Path

from iris_mlops.ml.packaging import MODEL_CODE, package_copy


def test_package_copy_holds_exactly_the_model_code(tmp_path: Path) -> None:
    copy = package_copy(tmp_path)
    found = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert found == sorted(MODEL_CODE)
    assert not (copy / "cli.py").exists() and not (copy / "quality").exists()


def test_model_code_imports_only_model_code(tmp_path: Path) -> None:
    copy = package_copy(tmp_path)
    carried = {m.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for m in MODEL_CODE}
    carried = {f"iris_mlops.{m}" if m != "__init__" else "iris_mlops" for m in carried}
    for module in MODEL_CODE:
        tree = ast.parse((copy / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("iris_mlops"):
                assert node.module in carried, f"{module} imports {node.module}, which the model does not carry"
