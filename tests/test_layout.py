"""The package layout's rules (docs/architecture.md): families are independent folders.

- no family imports another family; shared code lives in ``engine/`` or the top-level
  plumbing modules;
- the engine imports no family;
- a family's ``reference.py`` (and its brute force) imports none of the family's engine-side
  modules (problem, kernels, heuristics, solve, estimator): ground truth must not share a bug
  with the engine;
- every Numba kernel is a plain ``@njit(cache=True)`` function in the family's one
  ``_kernels.py`` (kernels that call each other must share a module: Numba's disk cache does
  not track changes across modules); no jitclass anywhere.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "l0bnb"
FAMILIES = ("best_subset", "graphl0", "lts", "fusion", "rules")
# Modules a reference may use: plain numpy/scipy exact refits and data containers.
REFERENCE_SIDE = {"reference", "brute_force", "support_refit", "refit"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _imported(path, parts):
    """Absolute dotted names of every ``l0bnb`` module that ``path`` imports."""
    tree = ast.parse(path.read_text())
    package = ["l0bnb", *parts[:-1]] if parts[-1] != "__init__" else ["l0bnb", *parts[:-1]]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.startswith("l0bnb")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("l0bnb"):
                continue
            names.append(module)
            names += [f"{module}.{a.name}" for a in node.names]
    return names


def _family(dotted):
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else None


def test_every_family_is_a_folder():
    for family in FAMILIES:
        assert (PACKAGE / family / "__init__.py").is_file()
        assert (PACKAGE / family / "_kernels.py").is_file()
        assert (PACKAGE / family / "reference.py").is_file()
    for layer in ("kernels", "problems", "estimators"):
        assert not (PACKAGE / layer).exists(), f"layer folder l0bnb/{layer}/ is back"


@pytest.mark.parametrize("path,parts", list(_modules()), ids=lambda v: str(v))
def test_imports_respect_the_layout(path, parts):
    own = parts[0] if parts[0] in FAMILIES else None
    for name in _imported(path, parts):
        other = _family(name)
        if parts[0] == "engine":
            assert other is None, f"the engine imports a family: {name}"
        if own is not None and other is not None:
            assert other == own, f"family {own} imports family {other}: {name}"
        if own is not None and parts[-1] in REFERENCE_SIDE and other == own:
            module = name.split(".")[2] if len(name.split(".")) > 2 else ""
            assert module in REFERENCE_SIDE | {""}, (
                f"{'/'.join(parts)}.py (ground truth) imports engine-side {name}"
            )


def _decorators(func):
    out = []
    for d in func.decorator_list:
        call = d if isinstance(d, ast.Call) else None
        name = call.func if call else d
        name = name.id if isinstance(name, ast.Name) else getattr(name, "attr", "")
        cache = call is not None and any(
            k.arg == "cache" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
        out.append((name, cache))
    return out


@pytest.mark.parametrize("path,parts", list(_modules()), ids=lambda v: str(v))
def test_kernels_are_cached_njit_functions_in_one_module(path, parts):
    text = path.read_text()
    assert "jitclass" not in text, "jitclass defeats Numba's disk cache"
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for name, cache in _decorators(node):
            if name in ("njit", "jit", "vectorize", "guvectorize"):
                assert parts[-1] == "_kernels" and parts[0] in FAMILIES, (
                    f"kernel {node.name} outside a family's _kernels.py: {path}"
                )
                assert cache, f"kernel {node.name} in {path} lacks cache=True"
