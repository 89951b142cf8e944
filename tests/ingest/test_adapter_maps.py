"""Column maps: the built-in Northshire maps load, and bad maps fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import INCIDENTS_MAP, write_map

from demand.ingest import IngestError, builtin_adapter_names, load_adapters
from demand.schemas import STREAMS

MINIMAL = """
stream = "incidents"
glob = "incidents/*.csv"
[columns]
incident_id = "Id"
created_at = "Created"
grade = "Grade"
"""


def test_builtin_northshire_maps_cover_every_stream():
    adapters = load_adapters("northshire")
    assert "northshire" in builtin_adapter_names()
    # Northshire's systems give neither police.uk ASB nor counts-only sources.
    assert {a.stream for a in adapters} == set(STREAMS) - {"asb", "counts"}
    incidents = next(a for a in adapters if a.stream == "incidents")
    assert incidents.values["grade"]["R"] == "RWD"
    assert incidents.timezone == "Europe/London"


def test_map_by_file_and_by_folder(tmp_path: Path):
    assert [a.stream for a in load_adapters(INCIDENTS_MAP)] == ["incidents"]
    write_map(tmp_path / "maps" / "a.toml", MINIMAL)
    write_map(tmp_path / "maps" / "b.toml", MINIMAL.replace("incidents/", "other/"))
    assert [a.name for a in load_adapters(tmp_path / "maps")] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('colour = "red"\n' + MINIMAL, ["'colour'", "unknown"]),
        ('delimeter = ";"\n' + MINIMAL, ["'delimeter'", "unknown"]),
        (MINIMAL.replace('"incidents"', '"incident"', 1), ["'stream'", "incidents"]),
        (MINIMAL + 'shoe_size = "Shoe"\n', ["'columns.shoe_size'", "not a column"]),
        (MINIMAL.replace('grade = "Grade"\n', ""), ["'columns.grade'", "requires"]),
        (MINIMAL + '[values.area]\n"N" = "North"\n', ["'values.area'", "unmapped"]),
        ('timezone = "Europe/Londn"\n' + MINIMAL, ["'timezone'", "Europe/Londn"]),
        ('format = "json"\n' + MINIMAL, ["'format'", "csv, parquet, xlsx"]),
        ('null_values = "NULL"\n' + MINIMAL, ["'null_values'", "list"]),
        ('encoding = "klingon"\n' + MINIMAL, ["'encoding'", "klingon"]),
        ("stream = \n", ["not valid TOML"]),
    ],
)
def test_bad_map_error_names_file_and_key(tmp_path: Path, text: str, fragments):
    path = write_map(tmp_path / "bad.toml", text)
    with pytest.raises(IngestError) as err:
        load_adapters(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message and message.endswith(".")


def test_unknown_adapter_name_lists_builtins():
    with pytest.raises(IngestError, match=r"Unknown adapter 'southshire'.*northshire"):
        load_adapters("southshire")


def test_folder_without_maps_is_an_error(tmp_path: Path):
    with pytest.raises(IngestError, match="no .toml column maps"):
        load_adapters(tmp_path)


def test_the_example_in_the_docs_is_a_valid_map(tmp_path: Path):
    docs = Path(__file__).resolve().parents[2] / "docs" / "adapters.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n")[1].split("```")[0]
    (adapter,) = load_adapters(write_map(tmp_path / "cad.toml", example))
    assert adapter.stream == "incidents" and adapter.encoding == "cp1252"
    assert adapter.null_values == ("", "NULL", "N/K")
