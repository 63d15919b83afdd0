"""The engine imports nothing but the standard library, numpy and scipy."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ratings.engine

ALLOWED = set(sys.stdlib_module_names) | {"numpy", "scipy"}
ENGINE = Path(ratings.engine.__file__).parent


def imported_top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_engine_module_imports_only_stdlib_numpy_and_scipy():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) >= 8
    offenders = {
        path.name: sorted(imported_top_level_names(path) - ALLOWED)
        for path in modules
        if imported_top_level_names(path) - ALLOWED
    }
    assert offenders == {}


def test_the_import_scan_would_catch_a_django_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import numpy\nfrom django.db import models\nfrom . import sibling\n")
    assert imported_top_level_names(module) - ALLOWED == {"django"}
