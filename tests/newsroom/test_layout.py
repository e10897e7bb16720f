"""Project layout rules that code review alone would let slip."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def imported_modules(package):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name


def test_articles_imports_neither_newsletter_nor_the_project():
    wrong = [
        (str(p.relative_to(ROOT)), m)
        for p, m in imported_modules("articles")
        if m.split(".")[0] in {"newsletter", "newsroom"}
    ]
    assert wrong == []


def test_articles_names_no_newsletter_permission():
    named = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "articles").rglob("*.py")
        if "migrations" not in path.parts and '"newsletter.' in path.read_text()
    ]
    assert named == []
