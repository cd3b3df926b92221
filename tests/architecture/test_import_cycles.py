"""No import cycle between the modules of src/: every import counts, at module level or inside a function.

grimp adds no edge from a module to its parent package, so a package whose __init__ re-exports its own
submodules is not a cycle by itself; a submodule importing that package back (and so its re-exports) is one.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

SRC_PACKAGES = ("domain", "application", "adapters", "entrypoints")


def import_cycles(*packages: str) -> list[list[str]]:
    """Every strongly connected set of two or more modules (or a module importing itself), sorted."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in modules}
    return _strongly_connected(modules, edges)


def _strongly_connected(modules: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    # Tarjan's algorithm, iterative: the graph has a few hundred modules, recursion would be fine too.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    cycles.append(sorted(component))
    return sorted(cycles)


def test_src_has_no_import_cycle() -> None:
    assert import_cycles(*SRC_PACKAGES) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_finds_a_cycle_even_through_an_import_inside_a_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "cyclic_pkg/__init__.py": "",
            "cyclic_pkg/a.py": "from cyclic_pkg import b\n",
            "cyclic_pkg/b.py": "def late():\n    from cyclic_pkg import c\n",
            "cyclic_pkg/c.py": "import cyclic_pkg.a\n",
            "cyclic_pkg/leaf.py": "",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic_pkg") == [["cyclic_pkg.a", "cyclic_pkg.b", "cyclic_pkg.c"]]


def test_a_package_re_exporting_its_submodules_is_no_cycle_but_importing_it_back_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "facade_pkg/__init__.py": "from facade_pkg.parts import Part\nfrom facade_pkg.more import More\n",
            "facade_pkg/parts.py": "class Part: ...\n",
            "facade_pkg/more.py": "from facade_pkg.parts import Part\n\nclass More(Part): ...\n",
            "backref_pkg/__init__.py": "from backref_pkg.parts import Part\n",
            "backref_pkg/parts.py": "import backref_pkg\n\nclass Part: ...\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("facade_pkg") == []
    assert import_cycles("backref_pkg") == [["backref_pkg", "backref_pkg.parts"]]
