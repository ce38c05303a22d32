"""The solver core, pure: an instance in, a solution out (bounds, heuristics, exact dive, CP-SAT stages, rules, checker). The only package that imports OR-Tools."""
