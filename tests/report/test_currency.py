"""Money is written in the pipeline's currency; GBP keeps the UK's £."""

from __future__ import annotations

from demand.config import currency_symbol
from demand.report.excel import _number_format


def test_currency_symbols_and_workbook_formats() -> None:
    assert currency_symbol("GBP") == "£"
    assert currency_symbol("USD") == "$"
    assert currency_symbol("NZD") == "NZD "
    assert _number_format("gap_cost_gbp") == "£#,##0"  # the UK workbook as before
    assert _number_format("gap_cost_gbp", "$") == "$#,##0"
    assert _number_format("gap_cost_gbp", "NZD ") == '"NZD "#,##0'
    assert _number_format("gap_fte", "$") == "#,##0.0"
