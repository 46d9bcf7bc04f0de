"""The package: every advertised name resolves, importing it is cheap, and no import cycles."""
import ast
import subprocess
import sys
from pathlib import Path

import imbalance_kit

PACKAGE = Path(imbalance_kit.__file__).resolve().parent


def test_every_exported_name_resolves():
    for name in imbalance_kit.__all__:
        assert getattr(imbalance_kit, name) is not None, name


def test_unknown_name_is_a_clear_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        imbalance_kit.nope


def test_import_does_not_pull_heavy_libraries():
    code = "import sys, imbalance_kit; print(any(m.split('.')[0] in {'sklearn', 'imblearn', 'matplotlib'} for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """Intra-package edges from every ``import`` statement, module level or inside a function.

    Importing ``a.b.c`` also runs ``a.b``'s ``__init__``, so each target brings its parent
    packages as edges (except the importer's own parents, which are already loading). The lazy
    ``importlib.import_module`` tables of ``__init__`` files are not import statements.
    """
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                            for a in node.names}
        edges = set()
        for t in targets:
            if t.split(".")[0] != PACKAGE.name:
                continue
            assert t in files, f"{name} imports {t}, which is not a module of the package"
            edges |= {t, *_ancestors(t)} - {name, *_ancestors(name)}
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a self-import)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_find_cycles_sees_a_cycle_and_a_self_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}
    assert sorted(find_cycles(graph)) == [["a", "b", "c"], ["d"]]


def test_import_graph_sees_function_local_imports():
    graph = import_graph()
    # datasets.projects imports its generators inside functions, on purpose (they are slow).
    assert "imbalance_kit.datasets.toxic" in graph["imbalance_kit.datasets.projects"]


def test_the_package_has_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, f"import cycles (move the shared piece to a lower module): {cycles}"
