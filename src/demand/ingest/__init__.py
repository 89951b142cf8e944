"""Ingest: read force extracts through column maps into the store's stream tables."""

from demand.ingest.adapter import Adapter, builtin_adapter_names, load_adapters
from demand.ingest.errors import IngestError
from demand.ingest.load import ingest, load_file
from demand.ingest.results import FileResult, IngestResult
from demand.ingest.sources import find_files

__all__ = [
    "Adapter",
    "FileResult",
    "IngestError",
    "IngestResult",
    "builtin_adapter_names",
    "find_files",
    "ingest",
    "load_adapters",
    "load_file",
]
