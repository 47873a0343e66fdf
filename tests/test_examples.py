"""Every example program (the five seed tutorials and the extras) runs in our interpreter and
gives what CPython + PyTorch give: the same printed text, tensors, grads, plots and errors.

The expected data in tests/expected/ is produced by tests/tools/make_expected.py, which runs the
same programs with the real CPython interpreter.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

from app.config import ProgramLimits
from app.lang import named_tensors
from app.lang.errors import ProgramError
from app.lang.interpreter import Interpreter
from app.lang.parse import parse_program
from app.lang.result import ProgramResult
from app.lang.state import isolated_global_state

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "app" / "examples"
EXPECTED = ROOT / "tests" / "expected"
INDEX = json.loads((EXAMPLES / "index.json").read_text())
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


class Run:
    """One example run through the interpreter, kept open so that checks can evaluate names."""

    def __init__(self, example_id: str):
        source = (EXAMPLES / f"{example_id}.py").read_text()
        limits = ProgramLimits()
        self.interpreter = Interpreter(limits)
        self.error: ProgramError | None = None
        # What the program itself warns about (e.g. numpy's __array_wrap__ deprecation when it
        # mixes arrays and tensors) is the program's, as run_program records it: not the suite's.
        with isolated_global_state("cpu"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.interpreter.run(parse_program(source, limits))
            except ProgramError as error:
                self.error = error
        self.warnings = [str(w.message) for w in caught]
        self.stdout = self.interpreter.output.text()

    def evaluate(self, expression: str) -> Any:
        node = ast.parse(expression, mode="eval").body
        return self.interpreter.evaluate(node, self.interpreter.scope)

    def named(self) -> dict[str, torch.Tensor]:
        result = ProgramResult(namespace=dict(self.interpreter.globals), stdout=self.stdout)
        return named_tensors(result)


def close(actual: Any, expected: Any, tol: float) -> bool:
    if isinstance(actual, torch.Tensor):
        actual = actual.detach().tolist()
    if isinstance(expected, list):
        return (
            isinstance(actual, (list, tuple))
            and len(actual) == len(expected)
            and all(close(a, e, tol) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return math.isclose(float(actual), expected, rel_tol=tol, abs_tol=tol)
    return actual == expected


@pytest.fixture(scope="module", params=[entry["id"] for entry in INDEX])
def example(request: pytest.FixtureRequest) -> tuple[Run, dict[str, Any]]:
    expected = json.loads((EXPECTED / f"{request.param}.json").read_text())
    return Run(request.param), expected


def test_error_matches_cpython(example: tuple[Run, dict[str, Any]]):
    run, expected = example
    if expected["error"] is None:
        assert run.error is None, f"unexpected error: {run.error}"
        return
    assert run.error is not None and run.error.type == "runtime"
    error = expected["error"]
    assert run.error.message == f"{error['type']}: {error['message']}"
    assert run.error.line == error["line"]


def test_printed_text_matches_cpython(example: tuple[Run, dict[str, Any]]):
    run, expected = example
    if expected["stdout_normalized"] is None:
        pytest.skip("the program prints nondeterministic values")
    assert ADDRESS.sub("0xADDR", run.stdout) == expected["stdout_normalized"]


def test_tensors_and_grads_match_cpython(example: tuple[Run, dict[str, Any]]):
    run, expected = example
    named = run.named()
    for name, want in expected["variables"].items():
        assert name in named, f"{name} missing from {list(named)}"
        tensor = named[name]
        assert list(tensor.shape) == want["shape"], name
        assert tensor.requires_grad == want["requires_grad"], name
        if want["value"] is not None:
            assert close(tensor.detach().tolist(), want["value"], 1e-5), name
        if want["grad"] is not None:
            assert close(tensor.grad, want["grad"], 1e-5), name
        elif want.get("deterministic") and not want["has_grad"]:
            # A non-leaf without retain_grad() has no .grad by definition (reading it warns).
            assert not (tensor.is_leaf or tensor.retains_grad) or tensor.grad is None, name


def test_plots_match_cpython(example: tuple[Run, dict[str, Any]]):
    run, expected = example
    figures = run.interpreter.pyplot.figures
    assert sum(len(f.series) for f in figures) == expected["plots"]["series"]
    for figure, want in zip(figures, expected["plots"]["figures"], strict=True):
        assert figure.title == want["title"] and figure.legend == want["legend"]
        for series, want_series in zip(figure.series, want["series"], strict=True):
            assert series.kind == want_series["kind"] and len(series.x) == want_series["n"]
            if want_series.get("y") is not None:
                assert close(series.y, want_series["y"], 1e-5)


def test_tutorial_headline_facts(example: tuple[Run, dict[str, Any]]):
    """The facts each tutorial states (x.grad = 1/3, grad 40 at x=10, w -> 2 ...)."""
    run, expected = example
    for check in expected["checks"]:
        if "error" in check:
            assert run.error is not None and check["message_contains"] in run.error.message
        elif "stdout_contains" in check:
            assert check["stdout_contains"] in run.stdout
        elif "stdout_regex" in check:
            matches = list(re.finditer(check["stdout_regex"], run.stdout, re.M))
            assert matches, check
            if "between" in check:
                low, high = check["between"]
                assert low <= float(matches[-1].group(1)) <= high, check
        else:
            value = run.evaluate(check["expr"])
            if "between" in check:
                low, high = check["between"]
                number = value.item() if isinstance(value, torch.Tensor) else float(value)
                assert low <= number <= high, check
            else:
                assert close(value, check["equals"], check.get("tol", 1e-6)), check
