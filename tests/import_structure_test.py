"""The package's import graph: no cycles, dependencies point down.

Read statically from the source (every `import`, also those inside
functions), so the test needs no backend and sees imports that run only
on some paths.
"""

import ast
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "keras_aegan"
# Lower layers never import the higher ones: the trainer and the models
# know nothing of callbacks or the command line.
LOWER = ("trainers", "models", "losses", "networks", "layers", "backend")
HIGHER = ("keras_aegan.callbacks", "keras_aegan.cli")


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path, modules):
    """Modules of the package that `path` imports (submodules resolved)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = []
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.append(sub if sub in modules else node.module)
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def _graph():
    modules = _modules()
    return {name: _imports(path, modules) for name, path in modules.items()}


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                # A package and its own submodules: `__init__` hands
                # names on, which is not a dependency loop.
                continue
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_graph_is_read():
    graph = _graph()
    # The reader must see real edges, or the other tests pass vacuously.
    assert "keras_aegan.trainers.adversarial_trainer" in graph
    assert (
        "keras_aegan.trainers.nonfinite"
        in graph["keras_aegan.trainers.adversarial_trainer"]
    )


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("folder", LOWER)
def test_lower_layers_do_not_import_callbacks_or_cli(folder):
    graph = _graph()
    prefix = f"keras_aegan.{folder}"
    bad = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
        if target.startswith(HIGHER)
    )
    assert not bad, bad


def test_callbacks_use_public_model_interface():
    pattern = re.compile(r"\bmodel\._[a-z]")
    bad = [
        f"{path.name}:{number}: {line.strip()}"
        for path in (PACKAGE / "callbacks").glob("*.py")
        for number, line in enumerate(
            path.read_text(encoding="utf-8").splitlines(), 1
        )
        if pattern.search(line)
    ]
    assert not bad, bad


def test_callbacks_import_no_private_names():
    bad = []
    for path in (PACKAGE / "callbacks").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                bad += [
                    f"{path.name}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
    assert not bad, bad
