"""The workspace side: deploy, history pull, the scheduled rebalancing job, wheels, notebook helpers."""
