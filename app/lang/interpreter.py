"""The interpreter: evaluates a checked AST node by node, with every step counted and guarded.

User code never reaches eval, exec or compile. Each statement and expression kind has one method
here; names resolve through app.lang.scopes, attributes through app.lang.attributes (by the
object's type), calls through ``Guard`` (by the callable's identity), sizes through
app.lang.sizes before torch allocates anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any

import greenlet
import torch

import app.lang.operators as operators
from app.config import ProgramLimits
from app.lang.builtins import TypeName, as_type, make_builtins
from app.lang.closures.bodies import compile_function_body
from app.lang.closures.expressions import compile_expression
from app.lang.closures.runner import Evaluator, Executor, Handler
from app.lang.closures.statements import compile_statement
from app.lang.errors import LimitExceeded, NotAllowed, ProgramError, catchable, runtime_error_of
from app.lang.functions import (
    UserFunction,
    build_class,
    lambda_definition,
)
from app.lang.generators import GreenletExit, ProgramGenerator, check_generator_count
from app.lang.guard import Guard
from app.lang.host import StatementTracer
from app.lang.output import OutputBuffer
from app.lang.plotting import PyplotRecorder
from app.lang.scopes import ComprehensionScope, Scope, target_names
from app.lang.stdlib import stdlib_modules
from app.lang.surface import Namespace, module_table

# The notebook's names: what a program may use without importing it.
PREBOUND = (
    ("torch", "torch"), ("nn", "torch.nn"), ("F", "torch.nn.functional"), ("optim", "torch.optim"),
    ("np", "numpy"), ("math", "math"),
)  # fmt: skip
_CLASS = "__class__"
_IDENTITY = frozenset({ast.Is, ast.IsNot})
# Plain numbers: an operator on two of them needs no size check, except the ones that can make an
# integer huge (2 ** 10**8, 1 << 10**9, repeated squaring by *).
_NUMBERS = frozenset({int, float, bool})
_GROWING = frozenset({"**", "*", "<<"})
GRAD_MODE_CLASSES = (torch.no_grad, torch.enable_grad, torch.inference_mode)
GRAD_MODES = (*GRAD_MODE_CLASSES, torch.set_grad_enabled)


class Interpreter(Guard):
    """Runs one program. Not reusable: a run's state (steps, output, plots) lives here."""

    def __init__(self, limits: ProgramLimits):
        self.pyplot = PyplotRecorder(limits.max_plot_points)
        super().__init__(limits)
        self.output = OutputBuffer(limits.max_output_chars)
        self.modules = module_table(self.pyplot) | stdlib_modules(self)
        self.globals: dict[str, Any] = {}
        self.scope = Scope(self.globals, builtins=make_builtins(self))
        self.builtin_ids = {id(value) for value in self.scope.builtins.values()}
        # As in a notebook where they are imported already: a program may use them without an
        # import line (an import of its own binds the same objects, under any alias).
        self.scope.builtins.update({name: self.modules[module] for name, module in PREBOUND})
        self.frames: list[tuple[UserFunction, Scope]] = []
        self.backward_roots: list[str] = []
        self.root_tensors: dict[str, torch.Tensor] = {}
        self.function_locals: dict[str, dict[str, Any]] = {}
        self.line = 0  # the statement running now, for warnings raised inside torch
        self.column = 0  # and its column (1-based), for code called from torch
        self.tracer: StatementTracer | None = None  # set by the caller before run()
        self._call_positions: list[tuple[int, int]] = []  # caller's line/column, when tracing
        self._expressions: dict[ast.expr, Evaluator] = {}  # each node compiled once
        self._statements: dict[ast.stmt, Executor] = {}
        self._bodies: dict[ast.FunctionDef, Evaluator] = {}
        self._root_texts: dict[ast.expr, str] = {}
        self._lambdas: dict[ast.Lambda, ast.FunctionDef] = {}
        self.handling: list[ProgramError] = []  # errors being handled (for a bare ``raise``)
        self.running_generators: dict[greenlet.greenlet, ProgramGenerator] = {}
        self.live_generators: set[ProgramGenerator] = set()

    # ----- running -------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        try:
            self.exec_block(tree.body, self.scope)
        finally:
            for generator in list(self.live_generators):
                generator.close()  # no program code runs after the program

    # ----- generators ----------------------------------------------------------------------

    def make_generator(self, function: UserFunction, scope: Scope) -> ProgramGenerator:
        return ProgramGenerator(self, function, scope)

    def start_generator(self, generator: ProgramGenerator) -> None:
        self.live_generators.add(generator)
        check_generator_count(self, len(self.live_generators))

    def end_generator(self, generator: ProgramGenerator) -> None:
        self.live_generators.discard(generator)
        if generator.body is not None:
            self.running_generators.pop(generator.body, None)

    def current_generator(self, node: ast.AST) -> ProgramGenerator:
        generator = self.running_generators.get(greenlet.getcurrent())
        if generator is None:
            raise ProgramError("syntax", "'yield' outside function", *_pos(node))
        return generator

    def eval_Yield(self, node: ast.Yield, scope: Scope) -> Any:
        generator = self.current_generator(node)
        value = None if node.value is None else self.evaluate(node.value, scope)
        return generator.yield_value(value)

    def eval_YieldFrom(self, node: ast.YieldFrom, scope: Scope) -> Any:
        generator = self.current_generator(node)
        for item in self.iterate(self.evaluate(node.value, scope)):
            generator.yield_value(item)
        return None

    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            self.exec_stmt(statement, scope)

    def exec_stmt(self, node: ast.stmt, scope: Scope) -> None:
        run = self._statements.get(node)
        if run is None:
            run = self.statement(node)
        run(scope)

    def evaluate(self, node: ast.expr, scope: Scope) -> Any:
        run = self._expressions.get(node)
        if run is None:
            run = self.expression(node)
        return run(scope)

    # ----- compiling: each node into a closure, once per run (see app/lang/closures) -------

    def expression(self, node: ast.expr) -> Evaluator:
        run = self._expressions.get(node)
        if run is None:
            run = self._expressions[node] = compile_expression(self, node)
        return run

    def statement(self, node: ast.stmt) -> Executor:
        run = self._statements.get(node)
        if run is None:
            run = self._statements[node] = compile_statement(self, node)
        return run

    def function_body(self, node: ast.FunctionDef) -> Evaluator:
        """A def's body, compiled once however often the def runs (lambdas, nested defs)."""
        run = self._bodies.get(node)
        if run is None:
            run = self._bodies[node] = compile_function_body(self, node.body)
        return run

    def expression_handler(self, node: ast.expr) -> Handler | None:
        """The method for a kind of expression the closures leave to the interpreter."""
        return _EXPRESSIONS.get(node.__class__)

    def statement_handler(self, node: ast.stmt) -> Handler | None:
        return _STATEMENTS.get(node.__class__)

    def enter_frame(self, function: UserFunction, scope: Scope) -> None:
        if len(self.frames) >= self.limits.max_call_depth:
            raise LimitExceeded(
                "max_call_depth", self.limits.max_call_depth, "functions call each other too deeply"
            )
        self.frames.append((function, scope))
        if self.tracer is not None:  # ops after the call returns belong to the caller's line
            self._call_positions.append((self.line, self.column))

    def leave_frame(self, function: UserFunction, scope: Scope) -> None:
        self.frames.pop()
        if self.tracer is not None and self._call_positions:
            self.line, self.column = self._call_positions.pop()
        if not self.frames and function.owner is None:
            # a function the program called from the module: keep its locals to show them
            self.function_locals[function.name] = scope.vars

    def current_frame(self) -> tuple[UserFunction, Scope] | None:
        return self.frames[-1] if self.frames else None

    # ----- statements ----------------------------------------------------------------------

    def exec_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> None:
        if node.value is not None:  # the annotation itself is never evaluated
            self.assign(node.target, self.evaluate(node.value, scope), scope)

    def exec_AugAssign(self, node: ast.AugAssign, scope: Scope) -> None:
        symbol = operators.SYMBOLS[type(node.op)]
        value = self.evaluate(node.value, scope)
        target = node.target
        if isinstance(target, ast.Name):
            current = scope.lookup(target.id, target)
            scope.store(target.id, self.binary(symbol, current, value, inplace=True))
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate(target.value, scope)
            current = self.get_attribute(owner, target.attr)
            self.set_attribute(owner, target.attr, self.binary(symbol, current, value, True))
        elif isinstance(target, ast.Subscript):
            owner = self.evaluate(target.value, scope)
            index = self.evaluate(target.slice, scope)
            current = self.subscript(owner, index)
            self.set_item(owner, index, self.binary(symbol, current, value, inplace=True))
        else:
            raise NotAllowed("this augmented assignment target is not supported", *_pos(node))

    def exec_FunctionDef(self, node: ast.FunctionDef, scope: Scope) -> None:
        decorators = [self.evaluate(d, scope) for d in node.decorator_list]
        scope.store(node.name, self.decorate(UserFunction(self, node, scope), decorators, node))

    def exec_ClassDef(self, node: ast.ClassDef, scope: Scope) -> None:
        decorators = [self.evaluate(d, scope) for d in node.decorator_list]
        scope.store(node.name, self.decorate(build_class(self, node, scope), decorators, node))

    def decorate(self, value: Any, decorators: list[Any], node: ast.AST) -> Any:
        """Apply decorators innermost first, as Python does; each is a call the program makes."""
        for decorator in reversed(decorators):
            if isinstance(decorator, GRAD_MODES) or any(decorator is c for c in GRAD_MODE_CLASSES):
                value = self.grad_mode_function(decorator, value)
            else:
                value = self.call(decorator, [value], {})
        return value

    def grad_mode_function(self, mode: Any, function: Any) -> Any:
        """``@torch.no_grad()`` (or enable_grad, set_grad_enabled, inference_mode; with or
        without the parentheses): the function runs under a fresh copy of the mode."""
        self.check_callback(function)
        fresh = mode.clone if isinstance(mode, GRAD_MODES) else mode

        def with_grad_mode(*args: Any, **kwargs: Any) -> Any:
            with fresh():
                return self.call(function, list(args), kwargs)

        with_grad_mode.__name__ = getattr(function, "__name__", "function")
        return self.register_callable(with_grad_mode)

    def register_callable(self, function: Any) -> Any:
        """A Python function gradtrace made around program code: the program may call it."""
        self.user_callables.add(id(function))
        self.keep_alive.append(function)  # ids of live objects only
        return function

    def exec_Global(self, node: ast.Global, scope: Scope) -> None:
        return  # the function's Scope redirects the names (see UserFunction)

    exec_Nonlocal = exec_Global

    def exec_Try(self, node: ast.Try, scope: Scope) -> None:
        try:
            try:
                self.exec_block(node.body, scope)
            except ProgramError as error:
                exc = catchable(error)
                handler = self.handler_for(node.handlers, exc, scope) if exc else None
                if handler is None:
                    raise
                self.handle(handler, error, scope)
            else:
                self.exec_block(node.orelse, scope)
        except GreenletExit:
            raise  # an abandoned generator being closed: none of its code runs any more
        except BaseException:
            if node.finalbody:
                self.exec_block(node.finalbody, scope)
            raise
        if node.finalbody:
            self.exec_block(node.finalbody, scope)

    def handler_for(
        self, handlers: list[ast.ExceptHandler], exc: Exception, scope: Scope
    ) -> ast.ExceptHandler | None:
        for handler in handlers:
            if handler.type is None:
                return handler
            classes = self.evaluate(handler.type, scope)
            options = classes if isinstance(classes, tuple) else (classes,)
            if not all(isinstance(c, type) and issubclass(c, BaseException) for c in options):
                raise runtime_error_of(
                    TypeError(
                        "catching classes that do not inherit from BaseException is not allowed"
                    ),
                    *_pos(handler),
                )
            if isinstance(exc, options):
                return handler
        return None

    def handle(self, handler: ast.ExceptHandler, error: ProgramError, scope: Scope) -> None:
        self.handling.append(error)
        try:
            if handler.name is not None:
                scope.store(handler.name, error.original)
            self.exec_block(handler.body, scope)
        finally:
            self.handling.pop()
            if handler.name is not None and handler.name in scope.vars:
                del scope.vars[handler.name]  # as Python does at the end of the handler

    def exec_Raise(self, node: ast.Raise, scope: Scope) -> None:
        if node.exc is None:
            if not self.handling:
                raise RuntimeError("No active exception to reraise")
            raise self.handling[-1]  # where it first happened
        value = self.evaluate(node.exc, scope)
        if isinstance(value, type) and issubclass(value, Exception) and self.is_raisable(value):
            value = self.call(value, [], {})
        if not isinstance(value, Exception) or not self.is_raisable(type(value)):
            raise TypeError("exceptions must derive from BaseException")
        if node.cause is not None:
            value.__cause__ = self.evaluate(node.cause, scope)
        raise runtime_error_of(value, *_pos(node))

    def is_raisable(self, cls: type) -> bool:
        """Python's exception classes (the builtins offers them) and the program's own."""
        return cls.__module__ == "builtins" or any(c in self.user_classes for c in cls.__mro__)

    def exec_With(self, node: ast.With, scope: Scope) -> None:
        self.with_items(node, 0, scope)

    def with_items(self, node: ast.With, index: int, scope: Scope) -> None:
        """``with a, b: body`` is ``with a: with b: body``."""
        if index == len(node.items):
            self.exec_block(node.body, scope)
            return
        item = node.items[index]
        manager = self.evaluate(item.context_expr, scope)
        programs_own = self.check_context_manager(manager, item.context_expr)
        entered = manager.__enter__()
        try:
            if item.optional_vars is not None:
                self.assign(item.optional_vars, entered, scope)
            self.with_items(node, index + 1, scope)
        except ProgramError as error:
            exc = catchable(error)
            if exc is not None:
                if manager.__exit__(type(exc), exc, exc.__traceback__) and programs_own:
                    return  # the program's __exit__ may swallow what an except could catch
            elif not programs_own:
                manager.__exit__(LimitExceeded, None, None)  # torch's own: restore its state
            raise  # a limit or a refusal: no program code runs on its way out
        except GreenletExit:
            if not programs_own:
                manager.__exit__(GreenletExit, None, None)
            raise
        except BaseException:  # return, break, continue: Python exits with no exception
            manager.__exit__(None, None, None)
            raise
        manager.__exit__(None, None, None)

    def exec_Assert(self, node: ast.Assert, scope: Scope) -> None:
        if not self.truth(self.evaluate(node.test, scope)):
            message = "" if node.msg is None else self.evaluate(node.msg, scope)
            self.check_text(message)
            raise runtime_error_of(
                AssertionError(message) if node.msg else AssertionError(), *_pos(node)
            )

    def exec_Delete(self, node: ast.Delete, scope: Scope) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                scope.delete(target.id, target)
            elif isinstance(target, ast.Subscript):
                owner = self.evaluate(target.value, scope)
                if not isinstance(owner, (list, dict)):
                    raise NotAllowed("del works on names, list items and dict keys", *_pos(target))
                del owner[self.evaluate(target.slice, scope)]
            else:
                raise NotAllowed("del works on names, list items and dict keys", *_pos(target))

    def exec_Import(self, node: ast.Import, scope: Scope) -> None:
        for alias in node.names:
            if alias.asname:
                scope.store(alias.asname, self.module(alias.name, node))
            else:
                top = alias.name.split(".")[0]
                scope.store(top, self.module(top, node))

    def exec_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> None:
        if node.module == "__future__":
            return  # checked by the parser: each feature is how Python 3 behaves anyway
        module = self.module(node.module or "", node)
        for alias in node.names:
            if not isinstance(module, Namespace) and alias.name not in module.gradtrace_attributes:
                raise NotAllowed(f"cannot import '{alias.name}' from '{node.module}'", *_pos(node))
            if isinstance(module, Namespace) and not module.has(alias.name):
                raise NotAllowed(
                    f"'{alias.name}' from '{node.module}' is not available in gradtrace"
                    + (f": {reason}" if (reason := module.refusal_reason(alias.name)) else ""),
                    *_pos(node),
                )
            value = (
                module.member(alias.name)
                if isinstance(module, Namespace)
                else getattr(module, alias.name)
            )
            scope.store(alias.asname or alias.name, value)

    def module(self, name: str, node: ast.AST) -> Any:
        try:
            return self.modules[name]
        except KeyError:
            raise NotAllowed(f"import of module '{name}' is not allowed", *_pos(node)) from None

    # ----- assignment ----------------------------------------------------------------------

    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.store(target.id, value)
        elif isinstance(target, ast.Attribute):
            self.set_attribute(self.evaluate(target.value, scope), target.attr, value)
        elif isinstance(target, ast.Subscript):
            owner = self.evaluate(target.value, scope)
            self.set_item(owner, self.evaluate(target.slice, scope), value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target.elts, value, scope)
        else:
            raise NotAllowed("this assignment target is not supported", *_pos(target))

    def unpack(self, targets: list[ast.expr], value: Any, scope: Scope) -> None:
        items = list(self.iterate(value))
        starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
        if not starred:
            if len(items) != len(targets):
                word = "many" if len(items) > len(targets) else "few"
                raise ValueError(
                    f"too {word} values to unpack (expected {len(targets)}, got {len(items)})"
                )
            for target, item in zip(targets, items, strict=True):
                self.assign(target, item, scope)
            return
        star = starred[0]
        after = len(targets) - star - 1
        if len(items) < len(targets) - 1:
            raise ValueError(f"not enough values to unpack (expected at least {len(targets) - 1})")
        for target, item in zip(targets[:star], items[:star], strict=True):
            self.assign(target, item, scope)
        self.assign(targets[star].value, items[star : len(items) - after], scope)  # type: ignore[attr-defined]
        for target, item in zip(targets[star + 1 :], items[len(items) - after :], strict=True):
            self.assign(target, item, scope)

    # ----- expressions ---------------------------------------------------------------------

    def eval_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        value = node.value
        if (
            node.attr == "__name__"
            and value.__class__ is ast.Attribute
            and value.attr == "__class__"
        ):
            # x.__class__.__name__, as older code writes type(x).__name__: only the string
            return type(self.evaluate(value.value, scope)).__name__
        return self.get_attribute(self.evaluate(value, scope), node.attr, node)

    def eval_Slice(self, node: ast.Slice, scope: Scope) -> slice:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if p is None else self.evaluate(p, scope) for p in parts))

    def eval_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        raise NotAllowed("'*' is only allowed in calls, lists and assignments", *_pos(node))

    def eval_List(self, node: ast.List, scope: Scope) -> list[Any]:
        return self.sequence(node.elts, scope)

    def eval_Tuple(self, node: ast.Tuple, scope: Scope) -> tuple[Any, ...]:
        return tuple(self.sequence(node.elts, scope))

    def eval_Set(self, node: ast.Set, scope: Scope) -> set[Any]:
        return set(self.sequence(node.elts, scope))

    def eval_Dict(self, node: ast.Dict, scope: Scope) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                result.update(self.evaluate(value, scope))
            else:
                result[self.evaluate(key, scope)] = self.evaluate(value, scope)
        return result

    def sequence(self, elements: list[ast.expr], scope: Scope) -> list[Any]:
        items: list[Any] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                items.extend(self.iterate(self.evaluate(element.value, scope)))
            else:
                items.append(self.evaluate(element, scope))
        operators.check_length(items, self.limits)
        return items

    def binary(self, symbol: str, left: Any, right: Any, inplace: bool = False) -> Any:
        if (
            left.__class__ in _NUMBERS
            and right.__class__ in _NUMBERS
            and (symbol not in _GROWING or left.__class__ is float or right.__class__ is float)
        ):
            return operators.BINARY[symbol](left, right)  # a number that cannot grow past a limit
        operators.check_binary(symbol, left, right, self.limits)
        if symbol == "%" and isinstance(left, str):
            self.check_text(right)  # "%s" % (big_list,) prints it
        table = operators.INPLACE if inplace else operators.BINARY
        return self.account(table[symbol](left, right))

    def eval_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.evaluate(node.value, scope)
        while isinstance(scope, ComprehensionScope):  # binds where the comprehension stands
            assert scope.parent is not None
            scope = scope.parent
        scope.store(node.target.id, value)
        return value

    def eval_Lambda(self, node: ast.Lambda, scope: Scope) -> UserFunction:
        definition = self._lambdas.get(node)
        if definition is None:  # made once per lambda in the source, not per evaluation
            definition = self._lambdas[node] = lambda_definition(node)
        return UserFunction(self, definition, scope)

    def eval_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> str:
        parts = [str(self.evaluate(value, scope)) for value in node.values]
        operators.check_length_of(sum(map(len, parts)), self.limits)  # before joining them
        return "".join(parts)

    def eval_FormattedValue(self, node: ast.FormattedValue, scope: Scope) -> str:
        value = self.evaluate(node.value, scope)
        self.check_text(value)
        if node.conversion == ord("r"):
            value = repr(value)
        elif node.conversion == ord("s"):
            value = str(value)
        elif node.conversion == ord("a"):
            value = ascii(value)
        spec = "" if node.format_spec is None else self.evaluate(node.format_spec, scope)
        self.check_format_spec(spec, node)
        return format(value, spec)

    def call_arguments(self, node: ast.Call, scope: Scope) -> tuple[list[Any], dict[str, Any]]:
        positional: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                positional.extend(self.iterate(self.evaluate(arg.value, scope)))
            else:
                positional.append(self.evaluate(arg, scope))
        keywords: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value, scope)
            if keyword.arg is None:
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    raise TypeError("argument after ** must be a mapping with string keys")
                if any(k.startswith("_") for k in value):
                    raise NotAllowed("keyword arguments starting with '_' are not allowed")
                keywords.update(value)
            else:
                keywords[keyword.arg] = value
        return positional, keywords

    def is_shadowed(self, name: str, scope: Scope) -> bool:
        current: Scope | None = scope
        while current is not None:
            if name in current.vars:
                return True
            current = current.parent
        return False

    def record_backward_root(self, node: ast.expr, tensor: torch.Tensor) -> None:
        text = self._root_texts.get(node)
        if text is None:  # unparsed once per call site: training loops call backward often
            text = self._root_texts[node] = ast.unparse(node)
        if text in self.backward_roots:
            self.backward_roots.remove(text)
        self.backward_roots.append(text)
        if not isinstance(node, ast.Name):
            self.root_tensors[text] = tensor

    def eval_ListComp(self, node: ast.ListComp, scope: Scope) -> list[Any]:
        items: list[Any] = []
        for inner in self.comprehension(node.generators, scope):
            items.append(self.evaluate(node.elt, inner))
        operators.check_length(items, self.limits)
        return items

    eval_GeneratorExp = eval_ListComp  # evaluated eagerly: no generator objects, no frames

    def eval_SetComp(self, node: ast.SetComp, scope: Scope) -> set[Any]:
        return {
            self.evaluate(node.elt, inner) for inner in self.comprehension(node.generators, scope)
        }

    def eval_DictComp(self, node: ast.DictComp, scope: Scope) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for inner in self.comprehension(node.generators, scope):
            result[self.evaluate(node.key, inner)] = self.evaluate(node.value, inner)
        return result

    def comprehension(self, generators: list[ast.comprehension], scope: Scope) -> Iterator[Scope]:
        names = frozenset().union(*(target_names(g.target) for g in generators))
        inner = ComprehensionScope({}, local_names=names, parent=scope)

        def level(index: int) -> Iterator[Scope]:
            generator = generators[index]
            source_scope = scope if index == 0 else inner  # the first iterable sees the outside
            for item in self.iterate(self.evaluate(generator.iter, source_scope)):
                self.assign(generator.target, item, inner)
                if all(self.truth(self.evaluate(cond, inner)) for cond in generator.ifs):
                    if index + 1 == len(generators):
                        yield inner
                    else:
                        yield from level(index + 1)

        return level(0)

    # ----- helpers -------------------------------------------------------------------------

    def truth(self, value: Any) -> bool:
        return bool(value)

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Iterate anything, counting one step per item (loops inside builtins included)."""
        for item in iter(iterable):
            self.tick()
            yield item


def _pos(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (None if column is None else column + 1)


def _class_of(value: Any) -> Any:
    return value.cls if isinstance(value, TypeName) else as_type(value)


_ABSTRACT = (ast.stmt, ast.expr)  # exec_stmt is the dispatcher, not a handler


def _handlers(prefix: str) -> dict[type, Any]:
    """Node class -> the Interpreter method for it (``eval_Name`` for ast.Name, ...)."""
    handlers = {}
    for name, method in vars(Interpreter).items():
        kind = getattr(ast, name.removeprefix(prefix), None) if name.startswith(prefix) else None
        if isinstance(kind, type) and issubclass(kind, ast.AST) and kind not in _ABSTRACT:
            handlers[kind] = method
    return handlers


# Looked up by the node's exact class: the hottest path of the interpreter.
_STATEMENTS = _handlers("exec_")
_EXPRESSIONS = _handlers("eval_")
