"""Reports: planners' HTML, FMS risk tables, workbook and exports; formatting only."""

from demand.report.build import FmsTables, ReportResult, build_fms, build_report

__all__ = ["FmsTables", "ReportResult", "build_fms", "build_report"]
