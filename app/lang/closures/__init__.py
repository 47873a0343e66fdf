"""The checked syntax tree compiled once into Python closures, built by our own code from the
nodes (never compile/exec/eval): each closure runs one node with the same checks, the same step
count and the same error positions as the interpreter's methods for it, minus the per-node
dispatch. Node kinds without a closure of their own run through the interpreter's method.

``expressions`` compiles expressions, ``calls`` function calls, ``statements`` statements and
loops; ``runner`` is what they need of the interpreter.
"""
