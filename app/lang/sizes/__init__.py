"""Element counts of results computed before torch or numpy allocate them.

Each estimator sees the callable and its arguments and returns how many elements the result
will hold (or None when it cannot tell, leaving the after-the-fact check and the OS memory cap
as the backstop). Creation functions, views that multiply work (expand), repeats, products,
concatenations, and broadcasting of every tensor operation are covered.

The estimators live by what they size: ``shapes`` (the arithmetic they share), ``tensors``
(functions and methods of tensors and arrays), ``wider`` (the wider surface's functions),
``layers`` (calling a layer), ``table`` (which estimator sizes which call) and ``text`` (the
text of a value).
"""

from app.lang.sizes.shapes import broadcast_numel, numel, shape_of
from app.lang.sizes.table import estimate_call
from app.lang.sizes.tensors import matmul_numel
from app.lang.sizes.text import text_length

__all__ = ["broadcast_numel", "estimate_call", "matmul_numel", "numel", "shape_of", "text_length"]
