"""Run history: flows to tables, cost estimates, event-log parsing, synthetic histories."""
