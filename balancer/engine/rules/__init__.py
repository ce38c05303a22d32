"""One module per rule. Each rule has up to three parts:

- `precheck(...)`: raise InfeasibleError naming the tables before any solving;
- `post(ctx)`: add the rule to a pool's CP-SAT model (`balancer.engine.cpsat.ModelContext`);
- `violations(...)`: the solver-free check used by `balancer.engine.checker`.

Rules that shape the problem rather than constrain a model (purity, schedule, together)
act when pools and items are built and have no `post`.
"""
