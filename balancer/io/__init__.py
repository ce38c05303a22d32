"""The files: tables.csv, runs.csv (or Parquet), plan.json, discovery, and the one writer of
outputs (`atomic`). Readers return validated model types; nothing below this package opens
a file."""

from balancer.io.runs import read_history
from balancer.io.tables import read_tables

__all__ = ["read_history", "read_tables"]
