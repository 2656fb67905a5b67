"""The import graph of `committees`, as Graphviz DOT: one box per module, grouped by part
(reports, sessions, documents, and the shared modules at the top), a solid arrow for an import
made when the module loads, a dashed one for an import made inside a function (a task importing
what it runs). The picture in docs/ is made with:

    uv run python manage.py import_graph | dot -Tsvg -o docs/committees-imports.svg
"""

import ast
from pathlib import Path

from django.core.management.base import BaseCommand

APP = Path(__file__).resolve().parents[2]
PARTS = ("reports", "sessions", "documents")


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, made inside a function) for each import of `committees` in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    lazy = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            names = [f"{target}.{alias.name}" for alias in node.names]
            found += [(name, id(node) in lazy) for name in [target, *names]]
        elif isinstance(node, ast.Import):
            found += [(alias.name, id(node) in lazy) for alias in node.names]
    return found


def graph() -> dict[str, dict[str, bool]]:
    """module → {imported module: lazy}, for the modules of `committees` (not its packages'
    `__init__` nor its migrations)."""
    paths = [
        p for p in APP.rglob("*.py") if "migrations" not in p.parts and p.name != "__init__.py"
    ]
    modules = {module_name(p): p for p in paths}
    edges = {}
    for name, path in modules.items():
        targets = {}
        for target, lazy in imports(path):
            if target in modules and target != name:
                targets[target] = targets.get(target, True) and lazy
        edges[name] = targets
    return edges


def cycles(edges: dict[str, dict[str, bool]], *, lazy: bool = False) -> list[list[str]]:
    """The loops of the graph (with the imports made inside functions when `lazy`)."""
    found, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target, is_lazy in edges.get(node, {}).items():
            if is_lazy and not lazy:
                continue
            if state.get(target) == "open":
                found.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def dot(edges: dict[str, dict[str, bool]]) -> str:
    def short(name):
        return name.removeprefix("committees.")

    lines = ["digraph committees {", "  rankdir=LR; node [shape=box, fontsize=10];"]

    def part(name):
        pieces = name.split(".")
        return pieces[1] if len(pieces) > 2 and pieces[1] in PARTS else "shared"

    for label in ("shared", *PARTS):
        lines.append(f'  subgraph "cluster_{label}" {{ label="{label}";')
        lines += [f'    "{short(m)}";' for m in sorted(edges) if part(m) == label]
        lines.append("  }")
    for source, targets in sorted(edges.items()):
        for target, lazy in sorted(targets.items()):
            style = " [style=dashed]" if lazy else ""
            lines.append(f'  "{short(source)}" -> "{short(target)}"{style};')
    lines.append("}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the import graph of committees as Graphviz DOT (dashed: imports in functions)."

    def handle(self, *args, **options):
        self.stdout.write(dot(graph()), ending="")
