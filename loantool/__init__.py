"""loantool – the post-loan desk's toolkit (贷后管理工具)."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# templates/ and samples/ sit at the top of the repository (DESIGN.md) and are installed as
# loantool.templates and loantool.samples (pyproject: [tool.setuptools.package-dir]). Imported from a
# checkout instead (``python -m pytest`` puts the top folder first on sys.path), the package is this
# folder, which does not hold them: let ``loantool.templates`` / ``loantool.samples`` resolve to the
# top-level folders there too.
_top = _Path(__file__).resolve().parent.parent
if (_top / "pyproject.toml").is_file() and not (_Path(__file__).parent / "templates").exists():
    __path__.append(str(_top))  # noqa: F821 - the package's own __path__
