"""The import graph of the whole package (npdeep.train's modules included) has no cycle.

Only imports that run when a module is imported count (module level, inside if/try, class
bodies); an import inside a function runs later and cannot deadlock a partial module. Each
``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``.
"""
import ast
import os

import npdeep

PACKAGE_DIR = os.path.dirname(os.path.abspath(npdeep.__file__))


def _modules(package_dir: str, package: str) -> dict:
    """{dotted name: (path, is_package)} for every .py file under package_dir."""
    modules = {}
    root = os.path.dirname(package_dir)
    for folder, _, files in os.walk(package_dir):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                name = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                is_package = name.endswith(".__init__")
                modules[name[:-len(".__init__")] if is_package else name] = (path, is_package)
    return {k: v for k, v in modules.items() if k == package or k.startswith(package + ".")}


def _import_time_nodes(body):
    """Import statements run at import time: not those inside functions."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            yield from _import_time_nodes(node.orelse)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _import_time_nodes(getattr(node, field, []) or [])


def import_graph(package_dir: str, package: str) -> dict:
    """{module: set of intra-package modules it imports at import time}."""
    modules = _modules(package_dir, package)

    def owner(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in _import_time_nodes(tree.body):
            if isinstance(node, ast.Import):
                targets = [owner(alias.name) for alias in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the module's own package upwards
                    parent = name if is_package else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else owner(base)
                           for a in node.names]
            edges[name].update(t for t in targets if t and t != name)
    return edges


def find_cycle(edges: dict):
    """One cycle as a list [a, b, ..., a], or None (depth-first search, three colours)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_package_has_no_import_cycle():
    """Across the whole package, so also none among npdeep.train's modules."""
    edges = import_graph(PACKAGE_DIR, "npdeep")
    assert "npdeep.train.resume" in edges["npdeep.train.fit"]  # the graph holds real edges
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checker_finds_a_cycle(tmp_path):
    """A test that cannot fail proves nothing: a made-up package with a cycle through a
    relative import, a try block and a package __init__ is caught, while imports inside
    functions and under TYPE_CHECKING are not edges."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.a import f\n")
    (pkg / "a.py").write_text("try:\n    from .sub import b\nexcept ImportError:\n    pass\n"
                              "def f():\n    import pkg.c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    import pkg.c\nfrom pkg import f\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    edges = import_graph(str(pkg), "pkg")
    assert edges["pkg.a"] == {"pkg.sub.b"} and edges["pkg.c"] == {"pkg.a"}
    assert find_cycle(edges) == ["pkg", "pkg.a", "pkg.sub.b", "pkg"]
    (pkg / "sub" / "b.py").write_text("import numpy\n")
    assert find_cycle(import_graph(str(pkg), "pkg")) is None
