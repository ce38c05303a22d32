"""Readers: the only place input files are opened. Each returns validated model types."""

from balancer.io.runs import read_history
from balancer.io.tables import read_tables

__all__ = ["read_history", "read_tables"]
