"""Tensor and plot-data descriptions from app.graph.values, on real tensors."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from app.graph.values import (
    MAX_TEXT_CHARS,
    describe_tensor,
    json_number,
    tensor_values,
    to_jsonable,
)

DESCRIBE_KEYS = {
    "shape",
    "dtype",
    "device",
    "requires_grad",
    "is_leaf",
    "grad_fn",
    "value",
    "value_truncated",
    "value_text",
    "grad",
    "grad_truncated",
    "grad_text",
    "is_view",
    "numel",
}


def strict_json(obj: Any) -> Any:
    """Round-trip through strict JSON (NaN/Infinity literals are rejected)."""
    return json.loads(json.dumps(obj, allow_nan=False))


def depth(value: Any) -> int:
    d = 0
    while isinstance(value, list):
        d += 1
        value = value[0] if value else None
    return d


def flat(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for v in value:
            yield from flat(v)
    else:
        yield value


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1.5, 1.5),
        (0, 0),
        (-7, -7),
        (True, True),
        (False, False),
        (10**30, 10**30),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (-0.0, -0.0),
    ],
)
def test_json_number(given: float, expected: Any) -> None:
    got = json_number(given)
    assert got == expected
    assert type(got) is type(expected)


def test_zero_dim_gives_bare_scalar() -> None:
    assert tensor_values(torch.tensor(3.5), 10) == (3.5, False)
    assert tensor_values(torch.tensor(float("nan")), 10) == ("NaN", False)
    assert tensor_values(torch.tensor(7), 10) == (7, False)


def test_dtypes_keep_their_kind() -> None:
    assert tensor_values(torch.tensor([True, False]), 10) == ([True, False], False)
    ints, _ = tensor_values(torch.tensor([[1, 2], [3, 4]], dtype=torch.int16), 10)
    assert ints == [[1, 2], [3, 4]] and all(type(v) is int for v in flat(ints))
    assert tensor_values(torch.tensor([1.5, 2.0], dtype=torch.bfloat16), 10)[0] == [1.5, 2.0]
    assert tensor_values(torch.tensor([0.5], dtype=torch.float16), 10)[0] == [0.5]
    assert tensor_values(torch.tensor([1.0], dtype=torch.float8_e4m3fn), 10)[0] == [1.0]


def test_complex_values_are_re_im_objects() -> None:
    values, truncated = tensor_values(torch.tensor([1 + 2j, complex(math.inf, -1)]), 10)
    assert not truncated
    assert values == [{"re": 1.0, "im": 2.0}, {"re": "Infinity", "im": -1.0}]
    conj, _ = tensor_values(torch.tensor([1 + 2j]).conj(), 10)
    assert conj == [{"re": 1.0, "im": -2.0}]


def test_non_finite_values_are_strict_json() -> None:
    t = torch.tensor([[math.nan, math.inf], [-math.inf, 1.0]])
    values, _ = tensor_values(t, 10)
    assert values == [["NaN", "Infinity"], ["-Infinity", 1.0]]
    assert strict_json(describe_tensor(t, max_elements=10))["value"] == values


def test_small_tensor_is_not_truncated() -> None:
    t = torch.arange(12.0).reshape(3, 4)
    assert tensor_values(t, 12) == (t.tolist(), False)


@pytest.mark.parametrize(
    ("shape", "max_elements"),
    [((10_000,), 100), ((100, 100), 50), ((3, 100, 100), 300), ((7, 7, 7, 7), 10), ((5, 4), 1)],
)
def test_truncation_keeps_a_leading_corner(shape: tuple[int, ...], max_elements: int) -> None:
    t = torch.arange(math.prod(shape), dtype=torch.float64).reshape(shape)
    values, truncated = tensor_values(t, max_elements)
    assert truncated
    assert depth(values) == len(shape)  # nesting is never flattened
    kept = []
    v = values
    for _ in shape:
        kept.append(len(v))
        v = v[0]
    assert math.prod(kept) <= max_elements
    assert values == t[tuple(slice(0, k) for k in kept)].tolist()  # the real top-left block


def test_truncation_spends_the_budget_on_long_dimensions() -> None:
    values, _ = tensor_values(torch.zeros(3, 100, 100), 300)
    assert len(values) == 3  # the short dimension is kept whole
    long_vector, _ = tensor_values(torch.arange(10_000), 100)
    assert long_vector == list(range(100))


def test_empty_tensor() -> None:
    assert tensor_values(torch.zeros(0, 5), 10) == ([], False)


def test_describe_has_exactly_the_documented_keys() -> None:
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    m = (2 * (x + 1)).mean()
    m.backward()
    d = describe_tensor(x, max_elements=100)
    assert set(d) == DESCRIBE_KEYS
    assert d["shape"] == [2, 3] and d["numel"] == 6
    assert d["dtype"] == "torch.float32" and d["device"] == "cpu"
    assert d["requires_grad"] and d["is_leaf"] and d["grad_fn"] is None
    assert d["value"] == x.tolist() and d["value_truncated"] is False
    assert d["value_text"] == str(x)
    assert d["grad"] == x.grad.tolist()
    assert list(flat(d["grad"])) == pytest.approx([1 / 3] * 6)
    assert d["grad_text"] == str(x.grad) and d["grad_truncated"] is False
    assert d["is_view"] is False
    strict_json(d)

    dm = describe_tensor(m, max_elements=100)
    assert dm["shape"] == [] and dm["grad_fn"] == "MeanBackward0" and not dm["is_leaf"]
    assert dm["grad"] is None and dm["grad_text"] is None and dm["grad_truncated"] is False


def test_describe_marks_views_and_truncates_grads() -> None:
    x = torch.ones(40, 40, requires_grad=True)
    (x * 3).sum().backward()
    d = describe_tensor(x, max_elements=16)
    assert d["value_truncated"] and d["grad_truncated"]
    assert d["grad"] == [[3.0] * 4] * 4
    assert describe_tensor(x.t(), max_elements=16)["is_view"] is True


def test_reading_grad_of_a_non_leaf_is_silent(capfd: pytest.CaptureFixture[str]) -> None:
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = describe_tensor(y, max_elements=10)
    assert caught == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert d["grad"] is None
    # And the caller's own warning filters are back as they were.
    with pytest.warns(UserWarning, match="not a leaf"):
        _ = y.grad


def test_retained_grad_of_a_non_leaf_is_shown() -> None:
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * 5).sum().backward()
    assert describe_tensor(y, max_elements=10)["grad"] == [5.0, 5.0]


def _odd_tensors() -> list[torch.Tensor]:
    with warnings.catch_warnings():  # quantized and nested constructors warn about themselves
        warnings.simplefilter("ignore")
        return [
            torch.eye(3).to_sparse(),
            torch.empty(2, 3, device="meta"),
            torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.qint8),
            torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
            torch.nested.nested_tensor([torch.ones(2), torch.ones(3)], layout=torch.jagged),
        ]


@pytest.mark.parametrize("t", _odd_tensors(), ids=["sparse", "meta", "quantized", "nested", "jag"])
def test_odd_tensors_do_not_raise(t: torch.Tensor) -> None:
    d = describe_tensor(t, max_elements=10)
    assert set(d) == DESCRIBE_KEYS
    assert d["value"] is None and d["value_truncated"] is False
    assert d["dtype"] == str(t.dtype)
    assert isinstance(d["value_text"], str) and d["value_text"]
    assert d["shape"] is None or d["shape"] == list(t.shape)
    strict_json(d)


def test_value_text_is_capped() -> None:
    t = torch.arange(20_000.0)
    torch.set_printoptions(profile="full")  # makes str(t) print every element
    try:
        text = describe_tensor(t, max_elements=10)["value_text"]
    finally:
        torch.set_printoptions(profile="default")
    assert len(text) <= MAX_TEXT_CHARS + 1
    assert text.startswith("tensor([0.0000e+00, 1.0000e+00,") and text.endswith("…")


def test_to_jsonable_plot_data() -> None:
    data = {
        "x": np.linspace(0.0, 1.0, 3),
        "y": torch.tensor([1.0, math.nan, -math.inf]),
        "n": np.int64(4),
        "f": np.float32(0.5),
        "pairs": [(1, 2.5), (np.float64(math.inf), None)],
        "label": "loss",
        3: True,
        "z": 1 - 2j,
        "grid": np.arange(4).reshape(2, 2),
    }
    assert strict_json(to_jsonable(data)) == {
        "x": [0.0, 0.5, 1.0],
        "y": [1.0, "NaN", "-Infinity"],
        "n": 4,
        "f": 0.5,
        "pairs": [[1, 2.5], ["Infinity", None]],
        "label": "loss",
        "3": True,
        "z": {"re": 1.0, "im": -2.0},
        "grid": [[0, 1], [2, 3]],
    }


def test_to_jsonable_survives_cycles_and_odd_objects() -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    assert to_jsonable(cyclic) == [1, "[...]"]
    deep: list[Any] = []
    cur = deep
    for _ in range(500):
        cur.append([])
        cur = cur[0]
    strict_json(to_jsonable(deep))  # no RecursionError
    assert to_jsonable(torch.float32) == "torch.float32"
    assert to_jsonable(torch.eye(2).to_sparse()) is None


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensor_is_copied_to_cpu() -> None:
    t = torch.arange(10_000.0, device="cuda").reshape(100, 100).requires_grad_()
    (t * 2).sum().backward()
    d = describe_tensor(t, max_elements=16)
    assert d["device"] == "cuda:0"
    assert d["value"] == t[:4, :4].tolist() and d["value_truncated"]
    assert d["grad"] == [[2.0] * 4] * 4


def test_arrays_are_written_with_float32_digits() -> None:
    from app.encoding import dumps

    t = torch.tensor([[0.1, 1 / 3], [2.0, -0.5]])
    values, truncated = tensor_values(t, 100, arrays=True)
    assert dumps(values) == b"[[0.1,0.33333334],[2.0,-0.5]]" and truncated is False
    assert dumps(tensor_values(torch.tensor(0.1), 10, arrays=True)[0]) == b"0.1"
    corner, truncated = tensor_values(torch.arange(100.0).reshape(10, 10), 4, arrays=True)
    assert dumps(corner) == b"[[0.0,1.0],[10.0,11.0]]" and truncated is True


def test_arrays_keep_non_finite_values_as_strings() -> None:
    from app.encoding import dumps

    values, _ = tensor_values(torch.tensor([1.0, float("nan"), float("-inf")]), 10, arrays=True)
    assert values == [1.0, "NaN", "-Infinity"]
    assert dumps(values) == b'[1.0,"NaN","-Infinity"]'


def test_dumps_falls_back_for_what_orjson_refuses() -> None:
    from app.encoding import dumps

    assert json.loads(dumps({"stdout": "a\ud800b", "big": 2**70})) == {
        "stdout": "a\ud800b",
        "big": 2**70,
    }
