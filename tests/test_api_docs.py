"""API documentation: pdoc builds a page per module, and every public name has a docstring.

The build runs once per session (about 10 s) into a temporary folder. The coverage check walks
every module under ``sealvalid`` that defines ``__all__`` (packages and implementation modules)
and asks each exported class and function for a docstring of its own.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import sealvalid

REPO = Path(__file__).resolve().parents[1]
SUBPACKAGES = ["audit", "bayes", "data", "defenses", "experiments", "plots", "rating", "sim",
               "strategies"]
# (page, public name that must be documented on it)
KEY_NAMES = [
    ("sealvalid/rating.html", "BradleyTerry"),
    ("sealvalid/rating.html", "rate"),
    ("sealvalid/sim.html", "simulate"),
    ("sealvalid/sim.html", "preset"),
    ("sealvalid/strategies.html", "run_strategy"),
    ("sealvalid/strategies.html", "Strategy"),
    ("sealvalid/defenses.html", "Safeguards"),
    ("sealvalid/defenses.html", "ArenaLog"),
    ("sealvalid/bayes.html", "HierarchicalBT"),
    ("sealvalid/bayes.html", "ConstructValidity"),
    ("sealvalid/audit.html", "fragility"),
    ("sealvalid/experiments/runner.html", "run_experiment"),
    ("sealvalid/rating/bt.html", "BradleyTerry"),
]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_api", REPO / "docs" / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    builder = _load_builder()
    out, messages = builder.build(tmp_path_factory.mktemp("api"))
    return out, messages, builder


def test_build_writes_main_pages(built):
    out, _, builder = built
    assert (out / "index.html").is_file()
    assert (out / "sealvalid.html").is_file()
    assert (out / "search.js").is_file()
    for sub in SUBPACKAGES:
        assert (out / "sealvalid" / f"{sub}.html").is_file(), sub
    # one page per module, implementation modules included
    expected = {name.replace(".", "/") + ".html" for name in builder.module_names()}
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.html")} - {"index.html"}
    assert written == expected


def test_build_emits_no_warnings(built):
    _, messages, _ = built
    assert messages == []


@pytest.mark.parametrize(("page", "name"), KEY_NAMES)
def test_key_public_names_documented(built, page, name):
    out, _, _ = built
    html = (out / page).read_text(encoding="utf-8")
    assert f'id="{name}"' in html, f"{name} has no entry on {page}"


def test_package_pages_link_their_modules(built):
    out, _, _ = built
    html = (out / "sealvalid" / "rating.html").read_text(encoding="utf-8")
    assert 'href="rating/bt.html"' in html
    html = (out / "sealvalid" / "strategies.html").read_text(encoding="utf-8")
    assert 'href="strategies/best_of_n.html"' in html


def test_numpy_sections_rendered(built):
    out, _, _ = built
    html = (out / "sealvalid" / "rating" / "bt.html").read_text(encoding="utf-8")
    # numpy "Parameters\n----------" sections become headings, not literal underlines
    assert re.search(r"<h6[^>]*>Parameters</h6>", html)
    assert "----------" not in re.sub(r"<pre.*?</pre>", "", html, flags=re.S)


def test_build_refuses_to_clean_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing to clean"):
        _load_builder().build(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_pages_need_no_network(built):
    out, _, _ = built
    external = set()
    for page in out.rglob("*.html"):
        external |= set(re.findall(r'(?:src|href)="(https?://[^"]+)"', page.read_text("utf-8")))
    # the only absolute link is pdoc's "built with" footer; no script, style or font from a CDN
    assert external <= {"https://pdoc.dev"}


# ---------------------------------------------------------------------------------------------
# docstring coverage


def _modules_with_all() -> list[str]:
    names = [sealvalid.__name__]
    for info in pkgutil.walk_packages(sealvalid.__path__, prefix="sealvalid."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _auto_doc(obj) -> bool:
    """True for docstrings Python writes itself (dataclass/namedtuple signature, Enum)."""
    doc = obj.__dict__.get("__doc__")
    if not doc:
        return True
    doc = doc.strip()
    if dataclasses.is_dataclass(obj) or (issubclass(obj, tuple) and hasattr(obj, "_fields")):
        return doc.startswith(f"{obj.__name__}(") and "\n" not in doc
    return doc == "An enumeration."


def missing_docstrings(module_name: str) -> list[str]:
    """Names in ``module.__all__`` that are classes or functions without a docstring."""
    module = importlib.import_module(module_name)
    missing = []
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            if _auto_doc(obj):
                missing.append(name)
        elif inspect.isroutine(obj) or hasattr(obj, "py_func"):  # numba dispatchers too
            if not (getattr(obj, "__doc__", None) or "").strip():
                missing.append(name)
    return missing


@pytest.mark.parametrize("module_name", _modules_with_all())
def test_public_names_resolve_and_have_docstrings(module_name):
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{module_name} defines no __all__")
    unresolved = [n for n in exported if not hasattr(module, n)]
    assert not unresolved, f"{module_name}.__all__ names that do not resolve: {unresolved}"
    missing = missing_docstrings(module_name)
    assert not missing, f"{module_name}: public names without a docstring: {missing}"


def test_coverage_check_catches_a_missing_docstring(monkeypatch):
    # the check itself must flag a bare function, a bare dataclass and a bare class
    import types

    fake = types.ModuleType("sealvalid._fake_for_docs")

    def bare():
        return None

    @dataclasses.dataclass
    class Bare:
        x: int = 0

    class Plain:
        pass

    def documented():
        """Do nothing."""

    fake.bare, fake.Bare, fake.Plain, fake.documented = bare, Bare, Plain, documented
    fake.CONSTANT = 3
    fake.__all__ = ["bare", "Bare", "Plain", "documented", "CONSTANT"]
    monkeypatch.setitem(__import__("sys").modules, fake.__name__, fake)
    assert missing_docstrings(fake.__name__) == ["bare", "Bare", "Plain"]
