"""lakeflow-balancer: balance a Lakeflow community connector's tables over pipelines."""

__version__ = "0.1.0"
