"""Renderers: plan -> ingest files and Databricks Asset Bundle (built in a later issue)."""
