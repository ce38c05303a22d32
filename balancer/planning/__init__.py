"""From a catalog and estimates to a plan: planner, pipeline naming, rebalancing, runbook."""
