"""The interpreter's tracer hook (app.lang.host.StatementTracer): which calls come, in which order,
at which depth, for loops left by break, by an exception and by a return."""

from __future__ import annotations

import ast

from app.config import ProgramLimits
from app.lang.interpreter import Interpreter
from app.lang.parse import parse_program

PROGRAM = """\
total = 0
for i in range(3):
    for j in range(2):
        if j == 1:
            break
        total += j
    total += i
try:
    while True:
        raise ValueError("x")
except ValueError:
    total += 100
def f(n):
    for k in range(n):
        return k
f(2)
"""


class Recorder:
    """A test double for the tracer: records each call with the interpreter's position."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interpreter = interpreter
        self.events: list[tuple[object, ...]] = []

    def after_statement(self, node: ast.stmt, depth: int) -> None:
        self.events.append(("stmt", node.lineno, depth))

    def loop_iteration(self, node: ast.For | ast.While, index: int, depth: int) -> None:
        here = (self.interpreter.line, self.interpreter.column)
        self.events.append(("iter", node.lineno, index, depth, here))

    def loop_end(self, node: ast.For | ast.While, depth: int) -> None:
        self.events.append(("end", node.lineno, depth))


def traced(source: str) -> tuple[Interpreter, list[tuple[object, ...]]]:
    limits = ProgramLimits()
    interpreter = Interpreter(limits)
    recorder = Recorder(interpreter)
    interpreter.tracer = recorder
    interpreter.run(parse_program(source, limits))
    return interpreter, recorder.events


def test_the_tracer_hears_statements_iterations_and_loop_ends_in_order() -> None:
    interpreter, events = traced(PROGRAM)

    def outer(i: int) -> list[tuple[object, ...]]:
        return [
            ("iter", 2, i, 0, (2, 1)),  # the for statement is the running one
            ("iter", 3, 0, 0, (3, 5)),
            ("stmt", 4, 0),  # j == 0: the if ran to its end
            ("stmt", 6, 0),
            ("iter", 3, 1, 0, (6, 9)),  # the last statement that ran is still the position
            ("end", 3, 0),  # left by break: neither `break` nor the `if` finished normally
            ("stmt", 3, 0),  # the inner for itself did
            ("stmt", 7, 0),
        ]

    expected = [
        ("stmt", 1, 0),
        *outer(0),
        ("iter", 2, 1, 0, (7, 5)),
        *outer(1)[1:],
        ("iter", 2, 2, 0, (7, 5)),
        *outer(2)[1:],
        ("end", 2, 0),
        ("stmt", 2, 0),
        ("iter", 9, 0, 0, (9, 5)),
        ("end", 9, 0),  # left by the exception
        ("stmt", 12, 0),
        ("stmt", 8, 0),  # the try statement, once its handler is done
        ("stmt", 13, 0),  # the def
        ("iter", 14, 0, 1, (14, 5)),  # inside f: depth 1
        ("end", 14, 1),  # left by return
        ("stmt", 16, 0),
    ]
    assert events == expected
    assert interpreter.globals["total"] == 0 + 0 + 0 + 1 + 0 + 2 + 100


def test_a_traced_run_computes_what_an_untraced_one_does() -> None:
    source = PROGRAM + "print(total)\nfor x in [1, 2]:\n    pass\nelse:\n    print('done', x)\n"
    interpreter, events = traced(source)
    plain = Interpreter(ProgramLimits())
    plain.run(parse_program(source, ProgramLimits()))
    assert interpreter.output.text() == plain.output.text() == "103\ndone 2\n"
    assert interpreter.steps == plain.steps  # the tracer costs the program no steps
    assert events[-4:] == [("stmt", 19, 0), ("end", 18, 0), ("stmt", 21, 0), ("stmt", 18, 0)]
