"""transforms/core is pure Python: no module there may import apache_beam, directly or lazily."""
import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "transforms" / "core"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
    return names


def test_core_modules_exist():
    assert len(list(CORE.rglob("*.py"))) >= 10


def test_core_never_imports_beam():
    offenders = {str(p.relative_to(CORE)): sorted(n for n in _imports(p) if n.split(".")[0] == "apache_beam")
                 for p in CORE.rglob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_core_never_imports_the_beam_layer():
    bad = {}
    for p in CORE.rglob("*.py"):
        layer = [n for n in _imports(p) if n.startswith(("transforms.", "pipelines"))
                 and not n.startswith("transforms.core")]
        if layer:
            bad[str(p.relative_to(CORE))] = layer
    assert bad == {}
