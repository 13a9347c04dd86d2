"""ehrmind's import graph: no cycles, a torch-free CLI front, and a reason for every function-local import.

The graph is read from the source with `ast`, function-local imports included, so a cycle hidden inside a
function (which works until someone hoists the import) fails here too; `if TYPE_CHECKING:` imports never run
and are not counted.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ehrmind

PACKAGE = Path(ehrmind.__file__).resolve().parent
# Function-local imports of these need no comment: they are the heavy or optional stack (the core and the
# CLI's --help import none of them), so importing them inside the function that uses them is the rule.
HEAVY = {"torch", "transformers", "trl", "peft", "vllm", "datasets", "accelerate", "matplotlib", "deepspeed",
         "aces", "safetensors", "tokenizers", "polars", "pyarrow", "sympy", "pandas"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(tree: ast.Module):
    """(node, imported module names, inside a function?) for every import statement."""
    found = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # type hints only: never imported at run time
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.append((child, [a.name for a in child.names], local))
            elif isinstance(child, ast.ImportFrom) and child.module:
                # `from ehrmind.stages import runs` imports the submodule ehrmind.stages.runs
                names = [f"{child.module}.{a.name}" for a in child.names]
                found.append((child, [n if n in MODULES else child.module for n in names], local))
            visit(child, inner)

    visit(tree, False)
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges = set()
        for _, targets, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            edges.update(t for t in targets if t in MODULES and t != name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := dfs(start)):
            return cycle
    return None


def test_find_cycle_reports_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_import_graph_covers_the_subpackages():
    graph = import_graph()
    assert {"ehrmind.cli.app", "ehrmind.stages.rl", "ehrmind.tasks.build", "ehrmind.seed_papers.vote"} <= set(graph)
    assert "ehrmind.stages.rl" in graph["ehrmind.cli.app"]  # function-local imports count


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _heavy_after(argv: list[str]) -> list[str]:
    code = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['ehrmind', *{argv!r}]\n"
        "from ehrmind.cli.app import main\n"
        "if len(sys.argv) > 1:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        main()\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'trl', 'peft', 'transformers'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return [m for m in result.stdout.strip().split(",") if m]


def test_cli_module_and_top_level_help_import_no_training_stack():
    assert _heavy_after([]) == []  # `import ehrmind.cli.app`
    assert _heavy_after(["--help"]) == []


@pytest.mark.parametrize("argv", [["data", "build", "--help"], ["calc", "--help"], ["rl", "--help"]])
def test_subcommand_help_does_not_import_torch(argv):
    # The root callback silences transformers' and datasets' progress bars (which imports those two), but
    # nothing loads torch, TRL or peft before a command runs.
    assert not {"torch", "trl", "peft"} & set(_heavy_after(argv))


def _has_reason(lines: list[str], lineno: int) -> bool:
    same = lines[lineno - 1]
    prev = lines[lineno - 2].strip() if lineno > 1 else ""
    return "#" in same or prev.startswith("#")


def local_imports_without_reason() -> list[str]:
    bad = []
    for path in MODULES.values():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node, targets, local in _imports(ast.parse(text)):
            if not local or all(t.split(".")[0] in HEAVY for t in targets):
                continue
            if not _has_reason(lines, node.lineno):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return bad


def test_function_local_imports_say_why():
    bad = local_imports_without_reason()
    assert not bad, (
        "function-local imports without a reason (hoist them, or add `# lazy: why` on the same line):\n"
        + "\n".join(bad)
    )
