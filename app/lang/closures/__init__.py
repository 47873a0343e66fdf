"""The checked syntax tree compiled once into Python closures, built by our own code from the
nodes (never compile/exec/eval): each closure runs one node with the same checks, the same step
count and the same error positions as the interpreter's methods for it, minus the per-node
dispatch. Node kinds without a closure of their own run through the interpreter's method.

``expressions`` compiles expressions, ``attributes`` attribute reads, ``calls`` calls,
``statements`` statements and loops (and the tracer's calls), ``bodies`` a function's body;
``runner`` is what they need of the interpreter. Where a check's outcome is decided by a class
alone (``x.grad`` on a tensor, a list's ``append``), a site reads it from the guard's tables
when it is compiled; whatever depends on the object itself is asked every time.
"""
