"""Parse a user program and refuse, before anything runs, every construct the language lacks.

The checks here are static: node kinds, names and attribute names, imports, size and depth. The
interpreter re-checks everything at run time (attribute access by type, calls by identity), so
this pass exists to give early, well-placed errors, not to be the only guard.
"""

from __future__ import annotations

import ast
import re
import warnings

from app.config import ProgramLimits
from app.lang.errors import LimitExceeded, NotAllowed, SyntaxProblem
from app.lang.policy import because

# Statement and expression kinds the interpreter evaluates. Anything else is refused by name.
ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.If, ast.For,
        ast.While, ast.Break, ast.Continue, ast.Pass, ast.Return, ast.FunctionDef,
        ast.ClassDef, ast.With, ast.withitem, ast.Assert, ast.Import, ast.ImportFrom,
        ast.alias, ast.Delete, ast.arguments, ast.arg, ast.keyword, ast.Lambda,
        ast.Try, ast.ExceptHandler, ast.Raise, ast.Global, ast.Nonlocal, ast.Yield,
        ast.YieldFrom, ast.NamedExpr,
        ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred,
        ast.List, ast.Tuple, ast.Dict, ast.Set, ast.BinOp, ast.UnaryOp, ast.BoolOp,
        ast.Compare, ast.IfExp, ast.Call, ast.ListComp, ast.SetComp, ast.DictComp,
        ast.GeneratorExp, ast.comprehension, ast.JoinedStr, ast.FormattedValue,
        ast.Load, ast.Store, ast.Del,
        ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
        ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd,
        ast.UAdd, ast.USub, ast.Not, ast.Invert, ast.And, ast.Or,
        ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In,
        ast.NotIn,
    }
)  # fmt: skip

# Friendly names for the kinds people try most often.
NODE_NAMES: dict[type[ast.AST], str] = {
    ast.TryStar: "except* (exception groups) is",
    ast.AsyncFunctionDef: "async functions are",
    ast.Await: "await is",
    ast.AsyncFor: "async for is",
    ast.AsyncWith: "async with is",
    ast.Match: "match statements are",
}

# Modules a program may import, and the names it may take from them.
IMPORTABLE_MODULES = frozenset(
    {
        "torch", "torch.nn", "torch.optim", "torch.nn.functional", "torch.utils",
        "torch.utils.data", "torch.autograd", "torch.nn.init", "torch.optim.lr_scheduler",
        "torch.autograd.functional", "torch.func", "torch.autograd.graph",
        "numpy", "matplotlib", "matplotlib.pyplot", "math", "sklearn.datasets",
        "random", "functools", "itertools", "collections", "time", "string", "unicodedata",
        "dataclasses", "re",
        # the rest of the computing surface (app/lang/policy.py)
        "torch.nn.utils", "torch.nn.utils.rnn", "torch.linalg", "torch.fft", "torch.special",
        "torch.distributions",
    }
)  # fmt: skip

# Names with two leading underscores reach Python's machinery (__class__, __globals__,
# __builtins__...): refused everywhere but here. One leading underscore is the program's own
# convention for private names (micrograd's ``_prev``, ``_backward``); at run time such an
# attribute is still refused on every object but the program's own (app.lang.attributes).
ALLOWED_DUNDER_NAMES = frozenset({"__name__"})
# ``from __future__ import ...`` lines of older tutorials: each is Python 3's behaviour already.
FUTURE_FEATURES = frozenset(
    "annotations print_function division absolute_import unicode_literals generators "
    "with_statement nested_scopes generator_stop".split()
)
# ``type(x).__name__`` is how tutorials print a type's name: a string, nothing more.
INERT_DUNDER_ATTRIBUTES = frozenset({"__name__"})
# Special methods a program's class may define. Each runs, as program code under the
# interpreter, when Python's operators, print, len, iteration or ``with`` use the object. Left
# out are the hooks that would run inside the checks themselves (__getattr__, __setattr__,
# __getattribute__, descriptors), at unforeseen times (__del__), or that let an object take
# over torch or numpy calls (__torch_function__, __array__...).
SPECIAL_METHODS = frozenset(
    """
__init__ __post_init__ __repr__ __str__ __len__ __getitem__ __setitem__ __delitem__ __contains__
__iter__ __next__ __call__ __bool__ __hash__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__
__enter__ __exit__ __float__ __int__ __neg__ __pos__ __abs__ __invert__
__add__ __radd__ __iadd__ __sub__ __rsub__ __isub__ __mul__ __rmul__ __imul__
__truediv__ __rtruediv__ __itruediv__ __floordiv__ __rfloordiv__ __ifloordiv__
__mod__ __rmod__ __imod__ __pow__ __rpow__ __ipow__ __matmul__ __rmatmul__ __imatmul__
""".split()
)
_FORMAT_WIDTH = re.compile(r"\d{5,}")


def parse_program(source: str, limits: ProgramLimits) -> ast.Module:
    """Parse ``source`` under ``limits`` and check every node; raise a ProgramError if refused."""
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > limits.max_source_bytes:
        raise LimitExceeded(
            "max_source_bytes", limits.max_source_bytes, f"the program is {size} bytes long"
        )
    for number, line in enumerate(source.splitlines(), start=1):
        if len(line) > limits.max_line_chars:
            raise LimitExceeded(
                "max_line_chars",
                limits.max_line_chars,
                f"line {number} is {len(line)} characters long",
                line=number,
                column=1,
            )
    _check_bracket_depth(source, limits)
    try:
        tree = _parse(source)
    except SyntaxError as exc:
        without_magics = _blank_notebook_magics(source)
        if without_magics == source:
            column = exc.offset if exc.offset and exc.offset > 0 else None
            raise SyntaxProblem(exc.msg, exc.lineno, column) from None
        return parse_program(without_magics, limits)
    except (RecursionError, MemoryError):
        raise LimitExceeded(
            "max_ast_depth", limits.max_ast_depth, "the program nests too deeply to parse"
        ) from None
    except ValueError as exc:  # e.g. source containing NUL bytes
        raise SyntaxProblem(str(exc)) from None
    StaticChecker(limits).check(tree)
    return tree


def _parse(source: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings (e.g. "is" with a literal)
        return ast.parse(source, filename="<program>", mode="exec")


# A notebook cell's IPython lines: ``%matplotlib inline``, ``!pip install torch``, ``%%time``.
_MAGIC = re.compile(r"^[ \t]*[%!]")


def _blank_notebook_magics(source: str) -> str:
    """``source`` with IPython's magic and shell lines left empty (line numbers kept).

    Only tried on a program Python cannot parse (neither kind of line is Python), so a program
    that was valid is never changed.
    """
    lines = source.split("\n")
    return "\n".join("" if _MAGIC.match(line) else line for line in lines)


def _check_bracket_depth(source: str, limits: ProgramLimits) -> None:
    """Refuse absurd nesting before ast.parse, whose C parser recurses on it."""
    depth = 0
    for index, char in enumerate(source):
        if char in "([{":
            depth += 1
            if depth > limits.max_ast_depth:
                line = source.count("\n", 0, index) + 1
                column = index - (source.rfind("\n", 0, index) + 1) + 1
                raise LimitExceeded(
                    "max_ast_depth",
                    limits.max_ast_depth,
                    "brackets nest too deeply",
                    line=line,
                    column=column,
                )
        elif char in ")]}":
            depth = max(0, depth - 1)


class StaticChecker:
    """Walks the tree once, iteratively, checking kinds, names, imports, size and depth."""

    def __init__(self, limits: ProgramLimits):
        self.limits = limits
        self.class_names: set[ast.Attribute] = set()  # the ``x.__class__`` of x.__class__.__name__

    def check(self, tree: ast.Module) -> None:
        count = 0
        # each node with the nearest position at or above it (Load, operators... have none)
        stack: list[tuple[ast.AST, int, ast.AST]] = [(tree, 0, tree)]
        while stack:
            node, depth, placed = stack.pop()
            if hasattr(node, "lineno"):
                placed = node
            count += 1
            if count > self.limits.max_ast_nodes:
                raise LimitExceeded(
                    "max_ast_nodes",
                    self.limits.max_ast_nodes,
                    "the program is too large",
                    *_pos(placed),
                )
            if depth > self.limits.max_ast_depth:
                raise LimitExceeded(
                    "max_ast_depth", self.limits.max_ast_depth, "the program nests too deeply",
                    *_pos(placed),
                )  # fmt: skip
            self.check_node(node)
            stack.extend((child, depth + 1, placed) for child in ast.iter_child_nodes(node))

    def check_node(self, node: ast.AST) -> None:
        kind = type(node)
        if kind not in ALLOWED_NODES:
            what = NODE_NAMES.get(kind, f"'{kind.__name__}' syntax is")
            raise NotAllowed(f"{what} not supported in gradtrace programs", *_pos(node))
        checker = getattr(self, f"check_{kind.__name__}", None)
        if checker is not None:
            checker(node)

    def check_Name(self, node: ast.Name) -> None:
        _check_identifier(node.id, node, "name")

    def check_arg(self, node: ast.arg) -> None:
        _check_identifier(node.arg, node, "name")

    def check_keyword(self, node: ast.keyword) -> None:
        # Library functions have private keywords of their own (``_stacklevel``...): none is
        # the program's to pass.
        if node.arg is not None and node.arg.startswith("_"):
            raise NotAllowed(
                f"keyword argument '{node.arg}' is not allowed: names starting with '_' are "
                "private",
                *_pos(node),
            )

    def check_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if (
            node.attr == "__name__"
            and isinstance(value, ast.Attribute)
            and value.attr == "__class__"
        ):
            self.class_names.add(value)  # x.__class__.__name__: one string, read as one
        if node.attr == "__class__" and node in self.class_names:
            return
        if (
            node.attr.startswith("__")
            and node.attr not in INERT_DUNDER_ATTRIBUTES
            and node.attr not in SPECIAL_METHODS  # the program's own, checked when it runs
            and not _is_super_dunder(node)
        ):
            raise NotAllowed(
                f"attribute '{node.attr}' is not allowed: names starting with '_' are private",
                *_pos(node),
            )

    def check_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name.startswith("__") and node.name not in SPECIAL_METHODS:
            raise NotAllowed(
                f"function name '{node.name}' is not allowed: of the special methods a class may "
                "define __init__, __repr__, __len__, __getitem__, __call__ and the operators",
                *_pos(node),
            )

    def check_ClassDef(self, node: ast.ClassDef) -> None:
        _check_identifier(node.name, node, "class name")
        if node.keywords:
            raise NotAllowed(
                "class keywords (metaclass=...) are not supported", *_pos(node.keywords[0])
            )
        for statement in node.body:
            if not isinstance(
                statement, (ast.FunctionDef, ast.Pass, ast.Expr, ast.Assign, ast.AnnAssign)
            ):
                raise NotAllowed(
                    "a class body may hold only methods, simple assignments and docstrings",
                    *_pos(statement),
                )

    def check_Global(self, node: ast.Global) -> None:
        for name in node.names:
            _check_identifier(name, node, "name")

    check_Nonlocal = check_Global

    def check_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name is not None:
            _check_identifier(node.name, node, "name")

    def check_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in IMPORTABLE_MODULES:
                raise NotAllowed(
                    f"import of module '{alias.name}' is not allowed{because(alias.name)}",
                    *_pos(node),
                )
            if alias.asname:
                _check_identifier(alias.asname, node, "name")

    def check_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module == "__future__" and not node.level:
            for alias in node.names:
                if alias.name not in FUTURE_FEATURES:
                    raise NotAllowed(f"future feature '{alias.name}' is not supported", *_pos(node))
            return
        if node.level or module not in IMPORTABLE_MODULES:
            raise NotAllowed(
                f"import from module '{module}' is not allowed{because(module)}", *_pos(node)
            )
        for alias in node.names:
            if alias.name == "*":
                raise NotAllowed("'from ... import *' is not supported", *_pos(node))
            _check_identifier(alias.name, node, "imported name")
            if alias.asname:
                _check_identifier(alias.asname, node, "name")

    def check_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            for part in spec.values:
                if isinstance(part, ast.Constant) and _FORMAT_WIDTH.search(str(part.value)):
                    raise LimitExceeded(
                        "max_format_width", 9999, "a format width or precision is too large",
                        *_pos(node),
                    )  # fmt: skip

    def check_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bytes):
            raise NotAllowed("bytes literals are not supported", *_pos(node))


def _check_identifier(name: str, node: ast.AST, what: str) -> None:
    if name.startswith("__") and name not in ALLOWED_DUNDER_NAMES:
        raise NotAllowed(
            f"{what} '{name}' is not allowed: names starting with '_' are private", *_pos(node)
        )


def _is_super_dunder(node: ast.Attribute) -> bool:
    """``super().__init__(...)`` (or another special method of the program's base class) is the
    one allowed dunder access: the proxy behind super() hands out nothing else."""
    value = node.value
    return (
        node.attr in SPECIAL_METHODS
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "super"
    )


def _pos(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (column + 1 if column is not None else None)
