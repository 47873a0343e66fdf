"""Autograd graphs as data: walk grad_fn chains, describe tensors, draw DOT and SVG.

A plain library (torch, graphviz and the standard library only); the API and jobs use it.
"""

from app.graph.model import Edge, Graph, Node, NodeKind, SavedValue, shape_text
from app.graph.render import (
    RenderError,
    render_svg,
    render_svg_async,
    render_svg_in_process,
    strip_prolog,
    to_dot,
)
from app.graph.values import describe_tensor, json_number, tensor_values, to_jsonable
from app.graph.walk import is_view_op, saved_values, walk

__all__ = [
    "Edge",
    "Graph",
    "Node",
    "NodeKind",
    "RenderError",
    "SavedValue",
    "describe_tensor",
    "is_view_op",
    "json_number",
    "render_svg",
    "render_svg_async",
    "render_svg_in_process",
    "saved_values",
    "shape_text",
    "strip_prolog",
    "tensor_values",
    "to_dot",
    "to_jsonable",
    "walk",
]
