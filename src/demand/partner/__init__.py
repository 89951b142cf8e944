"""Partner demand under Right Care Right Person: measures, hours returned, agencies."""

from __future__ import annotations

from demand.partner.assumptions import AGENCIES, PartnerAssumptions

__all__ = ["AGENCIES", "PartnerAssumptions"]
