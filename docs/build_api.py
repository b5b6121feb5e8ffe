"""Build the HTML API documentation of ``sealvalid`` from its docstrings with pdoc.

Usage (from the repository root, in the project environment)::

    .venv/bin/python docs/build_api.py                # writes docs/api/ (git-ignored)
    .venv/bin/python docs/build_api.py --out /tmp/api

One page per module: ``sealvalid`` and every subpackage and module under it
(``sealvalid/rating.html``, ``sealvalid/rating/bt.html``, ...), with ``index.html`` at the root and
a client-side search index (``search.js``) built locally.

Choices
-------
* Docstrings are numpy style (house style), so pdoc's ``numpy`` docformat is used; it also
  converts the reStructuredText roles the docstrings use (``:func:``, ``:class:``, ...).
* Math rendering is off: no docstring uses LaTeX, and pdoc's math option loads MathJax from a CDN,
  which would make the pages depend on the network. Mermaid is off for the same reason.
* Nothing is fetched while building; the pages are self-contained static HTML.

Every module under ``sealvalid`` is named to pdoc explicitly, so implementation modules
(``sealvalid.rating.bt``, ``sealvalid.strategies.best_of_n``, ...) get pages too, linked from
their package's page: their module docstrings name the sources they model. pdoc reads a
package's ``__all__`` from its ``__dict__``; subpackages that export names lazily (PEP 562
``__getattr__``, e.g. ``sealvalid.bayes``) are resolved first, in this process only, so their
pages list the exported names.

Warnings pdoc raises while importing or rendering (e.g. a module that fails to import, an
annotation it cannot resolve) are collected and printed; ``--strict`` turns them into a non-zero
exit status.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "docs" / "api"
PACKAGE = "sealvalid"


def module_names(package: str = PACKAGE) -> list[str]:
    """Return ``package`` and the dotted names of all its subpackages and modules, sorted.

    Parameters
    ----------
    package : str
        An importable package name.

    Returns
    -------
    list of str
        ``[package, package.sub, package.sub.mod, ...]``, without private (``_``-prefixed) names.
    """
    import importlib
    import pkgutil

    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def resolve_lazy_exports(names: list[str]) -> None:
    """Import each module and bind every name of its ``__all__`` into its namespace.

    Packages that load their exports on first attribute access (PEP 562) do not hold them in
    ``__dict__`` until then, where pdoc looks for them. Accessing each name once binds it,
    exactly as a user's ``from package import name`` would.

    Parameters
    ----------
    names : list of str
        Dotted module names.
    """
    import importlib

    for name in names:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            if attr not in module.__dict__:
                setattr(module, attr, getattr(module, attr))


def build(out: str | Path = DEFAULT_OUT, *, clean: bool = True) -> tuple[Path, list[str]]:
    """Render the API documentation of ``sealvalid`` into ``out``.

    Parameters
    ----------
    out : path
        Output folder; created if missing. With ``clean`` a previous build there is removed
        first, so pages of deleted modules do not linger; a non-empty folder that is not a
        previous build (no ``search.js``) is refused rather than deleted.
    clean : bool
        Remove ``out`` before building.

    Returns
    -------
    out : pathlib.Path
        The output folder (``index.html``, ``sealvalid.html``, ``sealvalid/<sub>.html``, ...).
    warnings : list of str
        The warnings pdoc emitted while importing and rendering, as text.
    """
    import matplotlib

    matplotlib.use("Agg")  # a module imported for its docstrings must not open a display
    import pdoc.doc
    import pdoc.render

    import sealvalid

    out = Path(out)
    if clean and out.exists() and any(out.iterdir()):
        if not (out / "search.js").is_file() or (out / ".git").exists():
            raise ValueError(f"refusing to clean {out}: not empty and not a previous API build "
                             "(no search.js); choose an empty or new --out folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    pdoc.render.configure(
        docformat="numpy",
        math=False,
        mermaid=False,
        search=True,
        show_source=True,
        include_undocumented=True,
        footer_text=f"sealvalid {sealvalid.__version__}",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = module_names()
        resolve_lazy_exports(names)
        # pdoc.pdoc() would walk each package again and hide submodules missing from a package's
        # __all__; render the explicit list with pdoc's own building blocks instead.
        modules = {name: pdoc.doc.Module.from_name(name) for name in names}
        for name, module in modules.items():
            # list every direct submodule in the package's navigation, not only those named in
            # its __all__ (Module.submodules is a cached property: setting it pre-empts it)
            module.__dict__["submodules"] = [
                modules[child] for child in names
                if child.rpartition(".")[0] == name
            ]
        for name, module in modules.items():
            page = out / f"{name.replace('.', '/')}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(pdoc.render.html_module(module, modules), encoding="utf-8")
        (out / "index.html").write_text(pdoc.render.html_index(modules), encoding="utf-8")
        (out / "search.js").write_text(pdoc.render.search_index(modules), encoding="utf-8")
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    return out, messages


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help=f"output folder (default: {DEFAULT_OUT.relative_to(REPO)})")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if pdoc emitted any warning")
    args = parser.parse_args(argv)
    out, messages = build(args.out)
    pages = sorted(out.rglob("*.html"))
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)
    print(f"wrote {len(pages)} pages to {out} (open {out / 'index.html'})")
    return 1 if (args.strict and messages) else 0


if __name__ == "__main__":
    sys.exit(main())
