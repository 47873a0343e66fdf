"""Traces of autograd at work: the graph growing statement by statement, gradients flowing.

``ProgramTrace`` traces a program run by app.lang (``run_program(..., tracer=...)``);
``TraceRecorder`` is the part that watches torch (also used for one training step); the
response's ``timeline`` comes from ``TimelineBuilder``. Opt-in: nothing here runs unless a
trace was asked for.
"""

from app.graph.trace.program import ProgramTrace, module_parameters
from app.graph.trace.recorder import TraceRecorder
from app.graph.trace.timeline import TimelineBuilder, graph_annotator

__all__ = [
    "ProgramTrace",
    "TimelineBuilder",
    "TraceRecorder",
    "graph_annotator",
    "module_parameters",
]
