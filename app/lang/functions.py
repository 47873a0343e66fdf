"""Functions and classes a program defines, callable from the interpreter and from torch.

A program's ``forward`` is called by ``nn.Module.__call__`` inside torch; it must therefore be a
real Python callable. It is: a small wrapper whose body hands control straight back to the
interpreter, so the method runs under the same limits as the rest of the program.
"""

from __future__ import annotations

import ast
import inspect
import types
from typing import Any

import torch
from torch import nn
from torch.utils import data as torch_data

from app.lang.builtins import as_type
from app.lang.errors import NotAllowed, ProgramError
from app.lang.host import Host
from app.lang.scopes import Scope, assigned_names, declared_names, is_generator_body

FIELDS_ATTRIBUTE = "__gradtrace_fields__"  # read by dataclasses (app/lang/stdlib/dataclasslib)


class ReturnSignal(Exception):
    """Carries a ``return`` value out of a function body."""

    def __init__(self, value: Any):
        self.value = value


class UserFunction:
    """A ``def`` of the program: its code, its defaults and the scope it closes over."""

    def __init__(self, interp: Host, node: ast.FunctionDef, parent: Scope):
        self.interp = interp
        self.node = node
        self.name = node.name
        self.parent = parent
        declared = declared_names(node.body)
        for name, kind in declared.items():
            if kind == "nonlocal":  # Python refuses this when compiling the def
                parent.enclosing_function_of(name, node)
        self.declared = declared or None
        self.is_generator = is_generator_body(node.body)
        self.local_names = assigned_names(node.body, node.args) - declared.keys()
        self.signature = _signature(interp, node.args, parent)
        self.owner: type | None = None  # set when the def is a method of a program's class
        # A def with plain parameters only (no *args, keyword-only or **kwargs) called with
        # positional arguments is bound by zip(); anything else goes through inspect.
        simple = not (node.args.vararg or node.args.kwonlyargs or node.args.kwarg)
        self._names = tuple(self.signature.parameters) if simple else None
        self._defaults = {
            name: p.default
            for name, p in self.signature.parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        self._required = len(self.signature.parameters) - len(self._defaults)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The function's local variables for this call's arguments, as Python binds them."""
        names = self._names
        if names is not None and not kwargs and self._required <= len(args) <= len(names):
            values = dict(zip(names, args, strict=False))
            for name in names[len(args) :]:
                values[name] = self._defaults[name]
            return values
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.name}() {exc}") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def __repr__(self) -> str:
        return f"<function {self.name}>"

    @property
    def __name__(self) -> str:  # as a Python function's
        return self.name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        """Bound to an instance when set on a class afterwards (d2l's ``add_to_class``)."""
        return self if instance is None else types.MethodType(self, instance)

    # Copied by reference, as Python copies functions: a copy would carry its own interpreter,
    # with a step count of its own.
    def __copy__(self) -> UserFunction:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> UserFunction:
        return self

    def __reduce__(self) -> Any:
        raise TypeError(f"cannot pickle function '{self.name}'")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        interp = self.interp
        scope = Scope(
            self.bind(args, kwargs),
            local_names=self.local_names,
            parent=self.parent,
            declared=self.declared,
        )
        if self.is_generator:
            return interp.make_generator(self, scope)
        body = interp.function_body(self.node)
        interp.enter_frame(self, scope)
        try:
            return body(scope)  # runs a return at the body's top level itself
        except ReturnSignal as signal:  # a return inside an if, a loop or a with
            return signal.value
        finally:
            interp.leave_frame(self, scope)


def lambda_definition(node: ast.Lambda) -> ast.FunctionDef:
    """A ``lambda`` as the ``def`` it stands for: its body is one ``return``."""
    body = ast.copy_location(ast.Return(value=node.body), node.body)
    definition = ast.FunctionDef(
        name="<lambda>", args=node.args, body=[body], decorator_list=[], returns=None
    )
    return ast.copy_location(definition, node)


def _signature(interp: Host, args: ast.arguments, scope: Scope) -> inspect.Signature:
    """An inspect.Signature from the def's arguments, defaults evaluated now as Python does."""
    kind = inspect.Parameter
    params: list[inspect.Parameter] = []
    positional = [*args.posonlyargs, *args.args]
    defaults = [interp.evaluate(d, scope) for d in args.defaults]
    first_default = len(positional) - len(defaults)
    for index, arg in enumerate(positional):
        default = defaults[index - first_default] if index >= first_default else kind.empty
        style = (
            kind.POSITIONAL_ONLY if index < len(args.posonlyargs) else kind.POSITIONAL_OR_KEYWORD
        )
        params.append(kind(arg.arg, style, default=default))
    if args.vararg:
        params.append(kind(args.vararg.arg, kind.VAR_POSITIONAL))
    for arg, default_node in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default = interp.evaluate(default_node, scope) if default_node is not None else kind.empty
        params.append(kind(arg.arg, kind.KEYWORD_ONLY, default=default))
    if args.kwarg:
        params.append(kind(args.kwarg.arg, kind.VAR_KEYWORD))
    return inspect.Signature(params)


def method_wrapper(function: UserFunction) -> Any:
    """A plain Python function standing for a method, so that instances bind ``self`` to it."""

    def method(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ProgramError as error:
            # Python itself may be the caller (iteration through __getitem__ ending at
            # IndexError, __next__ raising StopIteration): it must see the exception the
            # program raised. The error, with its position, travels along with it.
            if error.original is None:
                raise
            error.original.__gradtrace_error__ = error  # type: ignore[attr-defined]
            raise error.original from None

    method.__name__ = function.name
    method.__qualname__ = function.name
    method.gradtrace_function = function  # type: ignore[attr-defined]
    return method


# Classes a program's class may derive from, besides its own classes and Python's exceptions.
# Each is pure Python over the program's methods, or torch code that checks what the methods
# give it (a Function's backward must return gradients of the right shapes).
_BASES = frozenset(
    {
        object, nn.Module, nn.Sequential, nn.ModuleList, nn.ModuleDict, torch.autograd.Function,
        torch_data.Dataset, torch_data.IterableDataset, torch.optim.Optimizer,
        torch.optim.lr_scheduler.LRScheduler, list, dict, set,
    }
)  # fmt: skip


def allowed_base(interp: Host, base: Any) -> bool:
    if not isinstance(base, type):
        return False
    if base in _BASES or base in interp.user_classes:
        return True
    return issubclass(base, Exception) and base.__module__ == "builtins"


def build_class(interp: Host, node: ast.ClassDef, scope: Scope) -> type:
    """Create the class a ``class Name(Base):`` statement describes."""
    bases = tuple(as_type(interp.evaluate(base, scope)) for base in node.bases)
    for base, base_node in zip(bases, node.bases, strict=True):
        if not allowed_base(interp, base):
            raise NotAllowed(
                "a class may derive from object, torch.nn.Module (or Sequential, ModuleList, "
                "ModuleDict), torch.autograd.Function, torch.utils.data.Dataset, "
                "torch.optim.Optimizer, an LR scheduler, list, dict, set, an exception class or a "
                "class defined in the program",
                base_node.lineno,
                base_node.col_offset + 1,
            )
    namespace: dict[str, Any] = {}
    class_scope = Scope(namespace, parent=scope)
    functions: list[UserFunction] = []
    for statement in node.body:
        interp.tick()
        if isinstance(statement, ast.FunctionDef):
            decorators = [interp.evaluate(d, class_scope) for d in statement.decorator_list]
            function = UserFunction(interp, statement, scope)  # methods don't see class names
            functions.append(function)
            wrapper = interp.register_callable(method_wrapper(function))
            namespace[statement.name] = interp.decorate(wrapper, decorators, statement)
        else:
            interp.exec_stmt(statement, class_scope)
    if "forward" in namespace and not isinstance(namespace["forward"], staticmethod):
        interp.check_forward(namespace["forward"])
    # the annotated names, in order: what @dataclass makes fields of (app/lang/stdlib)
    annotated = tuple(
        s.target.id
        for s in node.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
    )
    body = {"__module__": "__main__", "__qualname__": node.name, **namespace}
    body[FIELDS_ATTRIBUTE] = annotated
    # new_class picks the bases' metaclass: torch.autograd.Function's makes the backward node
    # class (``NameBackward``) that names the program's Function in the graph.
    cls = types.new_class(node.name, bases or (object,), exec_body=lambda ns: ns.update(body))
    for function in functions:
        function.owner = cls
    interp.user_classes.add(cls)
    return cls


class SuperProxy:
    """``super()`` inside a method: gives the base class's ``__init__`` and public methods."""

    def __reduce__(self) -> Any:
        # copy.deepcopy and pickle go through here: a copy would carry its own interpreter
        raise TypeError(f"cannot pickle '{type(self).__name__}' object")

    def __init__(self, interp: Host, cls: type, instance: Any):
        self.interp = interp
        self.cls = cls
        self.instance = instance

    def attribute(self, name: str) -> Any:
        resolved = super(self.cls, self.instance)
        if name.startswith("__"):  # a special method of the base (the parser allowed only those)
            special = getattr(resolved, name)

            def call_special(*args: Any, **kwargs: Any) -> Any:
                return special(*args, **kwargs)

            return self.interp.register_callable(call_special)
        if not self.interp.attribute_allowed(self.instance, name):
            raise NotAllowed(f"super().{name} is not allowed")
        return getattr(resolved, name)


def make_super(interp: Host, args: list[Any], node: ast.Call) -> SuperProxy:
    """``super()`` (in a method) or ``super(Name, self)``."""
    if len(args) == 2:
        cls, instance = args
        if cls not in interp.user_classes or not isinstance(instance, cls):
            raise NotAllowed("super(Class, self) needs a class of the program and its instance")
        return SuperProxy(interp, cls, instance)
    if args:
        raise NotAllowed("super() takes no arguments or (Class, self)")
    frame = interp.current_frame()
    if frame is None or frame[0].owner is None:
        raise ProgramError(
            "runtime",
            "RuntimeError: super(): no arguments outside a method",
            node.lineno,
            node.col_offset + 1,
        )
    function, scope = frame
    params = list(function.signature.parameters)
    if not params or params[0] not in scope.vars:
        raise ProgramError("runtime", "RuntimeError: super(): no arguments", node.lineno)
    return SuperProxy(interp, function.owner, scope.vars[params[0]])
