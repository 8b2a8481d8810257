"""Bargaining per table: zone of agreement, Nash and Kalai–Smorodinsky deals, exclusion
(veto players off the table), linkage (issue by issue versus package), frontiers."""

from .core import ZONE_TOL, kalai_smorodinsky, nash, zone
from .tables import Deal, HoldingDeal, TableResult, VetoCheck, bargain_tables

__all__ = [
    "ZONE_TOL",
    "Deal",
    "HoldingDeal",
    "TableResult",
    "VetoCheck",
    "bargain_tables",
    "kalai_smorodinsky",
    "nash",
    "zone",
]
