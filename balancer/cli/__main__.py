"""`python -m balancer.cli`: the `balancer` command."""

from balancer.cli import main

main()
