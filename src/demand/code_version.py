"""Which code each pipeline stage runs: a hash per stage, so an edit reruns only
the stages whose code it touches."""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

import demand

__all__ = [
    "PACKAGE_ROOT",
    "STAGE_ENTRIES",
    "package_code_version",
    "stage_code_version",
    "stage_sources",
]

PACKAGE_ROOT = Path(demand.__file__).parent
STAGE_ENTRIES: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest", "adapters"),
    "series": ("series.py", "series_counts.py"),
    "forecast": ("forecast",),
    "capacity": ("capacity",),
    "report": ("report",),
}
"""Files or folders (relative to the package) each stage starts from; whatever they
import within `demand` is added, and `stages.py`, which runs every stage (its own
lazy imports, one per stage, are not followed)."""
_DATA_SUFFIXES = {".py", ".toml", ".j2", ".css", ".json"}


def _code_files(folder: Path) -> list[Path]:
    """Code and data files under `folder`, sorted."""
    return sorted(
        p for p in folder.rglob("*") if p.suffix in _DATA_SUFFIXES and p.is_file()
    )


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of module `demand.<dotted>` under `root`, if there is one."""
    parts = dotted.split(".")
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(root: Path, path: Path) -> set[Path]:
    """Files of `demand` modules that `path` imports (anywhere in it, lazily too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(root).parent.parts
    found: set[Path] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(["demand", *base, *filter(None, [node.module])])
            else:
                module = node.module or ""
            names = [module, *(f"{module}.{a.name}" for a in node.names)]
        for name in names:
            if name == "demand" or name.startswith("demand."):
                hit = _module_file(root, name.removeprefix("demand").lstrip("."))
                if hit is not None:
                    found.add(hit)
    return found


def stage_sources(stage: str, root: Path = PACKAGE_ROOT) -> list[Path]:
    """Every file a stage's code may run or read, sorted: its entry files and
    folders (with their data files), their imports, transitively, and `stages.py`."""
    pending: list[Path] = []
    for entry in STAGE_ENTRIES[stage]:
        where = root / entry
        pending += _code_files(where) if where.is_dir() else [where]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            pending += _imports(root, path) - seen
    return sorted(seen | {root / "stages.py"})


def _hash(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def _stage_hash(stage: str, root: Path, stamp: tuple) -> str:
    return _hash(stage_sources(stage, root), root)


def _stamp(root: Path) -> tuple:
    """Names, sizes and modification times of the code: a cheap key that changes
    whenever a file does."""
    return tuple(
        (p.as_posix(), st.st_size, st.st_mtime_ns)
        for p in _code_files(root)
        for st in [p.stat()]
    )


def package_code_version(root: Path = PACKAGE_ROOT) -> str:
    """The package version and a hash of all its code: what a whole run ran."""
    return f"{demand.__version__}+{_hash(_code_files(root), root)}"


def stage_code_version(stage: str, root: Path = PACKAGE_ROOT) -> str:
    """The package version and a hash of the files `stage_sources` lists
    (parsed and hashed again only when a file's size or modification time changes).
    """
    return f"{demand.__version__}+{_stage_hash(stage, root, _stamp(root))}"
