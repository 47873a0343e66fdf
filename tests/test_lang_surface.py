"""The surface by principle (app/lang/policy.py): what the tables hold, and that it runs.

The tables are built by enumerating torch's real modules and classes: every member must be the
real module's own object (by identity), a computation rather than torch's machinery, and in no
refused family. A sample of what the enumeration newly opens runs through the interpreter and
prints exactly what plain Python and torch print for the same program.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import types
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.lang import ProgramError, attributes, checked, parse, policy, run_program, surface

REPO = Path(__file__).resolve().parents[1]
TORCH = surface.TORCH
# Submodules by their qualified name, and the real module each was enumerated from.
REAL_MODULES = {
    "torch": torch,
    "torch.nn": nn,
    "torch.nn.functional": F,
    "torch.nn.init": nn.init,
    "torch.nn.utils": nn.utils,
    "torch.nn.utils.rnn": nn.utils.rnn,
    "torch.autograd": torch.autograd,
    "torch.autograd.functional": torch.autograd.functional,
    "torch.linalg": torch.linalg,
    "torch.fft": torch.fft,
    "torch.special": torch.special,
    "torch.func": torch.func,
    "torch.distributions": torch.distributions,
    "torch.utils.data": torch.utils.data,
}
VALUE_TYPES = (torch.dtype, torch.layout, torch.memory_format, torch.qscheme, float, type(None))


def namespaces() -> dict[str, surface.Namespace]:
    found: dict[str, surface.Namespace] = {}
    stack = [TORCH]
    while stack:
        space = stack.pop()
        found[space.qualified_name] = space
        stack.extend(v for v in space.members().values() if isinstance(v, surface.Namespace))
    return found


ENUMERATED = {name: space for name, space in namespaces().items() if name in REAL_MODULES}


def members(name: str) -> dict[str, object]:
    """The members of a table that PyTorch's module gives as they are (not the checked
    stand-ins of app/lang/checked.py, tested on their own below)."""
    return {
        k: v
        for k, v in ENUMERATED[name].members().items()
        if not isinstance(v, surface.Namespace) and f"{name}.{k}" not in checked.STAND_INS
    }


def test_the_checked_stand_ins_sit_where_pytorchs_own_would() -> None:
    for qualified, stand_in in checked.STAND_INS.items():
        parent, _, name = qualified.rpartition(".")
        assert namespaces()[parent].member(name) is stand_in, qualified


# --- the principle holds ------------------------------------------------------------------------


@pytest.mark.parametrize("qualified", sorted(REAL_MODULES))
def test_every_member_is_the_real_modules_own_object(qualified: str) -> None:
    real = REAL_MODULES[qualified]
    assert qualified in ENUMERATED
    for name, value in members(qualified).items():
        assert not name.startswith("_"), name
        current = getattr(real, name)
        # torch._dynamo, once something imports it, wraps a few functions (manual_seed) in place
        assert value in (current, getattr(current, "__wrapped__", None)), f"{qualified}.{name}"
        assert callable(value) or isinstance(value, VALUE_TYPES), f"{qualified}.{name}"


@pytest.mark.parametrize("qualified", sorted(REAL_MODULES))
def test_every_member_is_a_computation_in_no_refused_family(qualified: str) -> None:
    for name, value in members(qualified).items():
        assert not policy.is_refused(f"{qualified}.{name}"), f"{qualified}.{name}"
        assert name not in policy.HELPER_NAMES, f"{qualified}.{name}"
        assert not isinstance(value, types.ModuleType), f"{qualified}.{name}"
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
            module = value.__module__ or ""
            assert module == "torch" or module.startswith("torch."), (name, module)
            assert module not in policy.INTERNAL_MODULES, (name, module)


def test_every_computing_function_of_the_real_modules_is_there() -> None:
    """The converse: what the principle allows is not silently missing."""
    for qualified in ("torch.nn.functional", "torch.nn.init", "torch.linalg", "torch.fft",
                      "torch.special"):  # fmt: skip
        real = REAL_MODULES[qualified]
        for name in dir(real):
            value = getattr(real, name)
            if name.startswith("_") or policy.family_of(f"{qualified}.{name}") is not None:
                continue
            if name in policy.HELPER_NAMES or isinstance(value, (type, types.ModuleType)):
                continue
            if surface._computes(value):
                assert ENUMERATED[qualified].has(name), f"{qualified}.{name}"
    for name in dir(nn):
        value = getattr(nn, name)
        if isinstance(value, type) and issubclass(value, nn.Module) and not name.startswith("_"):
            assert TORCH.member("nn").has(name) or policy.is_refused(f"torch.nn.{name}"), name


REFUSED_NAMES = """
torch.load torch.save torch.from_file torch.as_strided torch.as_strided_ torch.frombuffer
torch.from_dlpack torch.to_dlpack torch.compile torch.jit torch.export torch.fx torch.library
torch.ops torch.classes torch.hub torch.multiprocessing torch.distributed torch.set_num_threads
torch.set_num_interop_threads torch.set_default_tensor_type torch.use_deterministic_algorithms
torch.set_flush_denormal torch.set_warn_always torch.set_default_device torch.empty_strided
torch.sparse_coo_tensor torch.sparse_csr_tensor torch.UntypedStorage torch.FloatStorage
torch.cond torch.while_loop torch.lstm torch.fbgemm_linear_fp16_weight torch.resize_as_
torch.nn.DataParallel torch.nn.SyncBatchNorm torch.nn.parallel torch.nn.UninitializedParameter
torch.nn.utils.skip_init torch.nn.utils.stateless torch.nn.utils.parametrize
torch.nn.utils.rnn.PackedSequence torch.nn.utils.parametrizations
torch.func.linearize
torch.func.functionalize
torch.autograd.graph.register_multi_grad_hook torch.autograd.profiler
torch.distributions.register_kl torch.os torch._C
torch.nn.functional.handle_torch_function torch.nn.functional.boolean_dispatch
torch.nn.functional.has_torch_function torch.nn.functional.torch torch.nn.functional.Tensor
""".split()


@pytest.mark.parametrize("qualified", REFUSED_NAMES)
def test_refused_names_are_absent(qualified: str) -> None:
    parent, _, name = qualified.rpartition(".")
    space = namespaces()[parent]
    assert not space.has(name), qualified


REFUSED_TENSOR_ATTRIBUTES = """
as_strided as_strided_ as_strided_scatter set_ storage untyped_storage storage_type resize_
resize_as_ resize resize_as sparse_resize_ sparse_resize_and_clear_ share_memory_ pin_memory
record_stream new_empty_strided new to_sparse to_sparse_coo to_sparse_csr to_sparse_csc
to_sparse_bsr to_sparse_bsc indices crow_indices col_indices ccol_indices row_indices to_mkldnn
""".split()
NEW_TENSOR_ATTRIBUTES = """
unfold addcmul addcmul_ lerp_ register_hook retain_grad register_post_accumulate_grad_hook
apply_ map_ map2_ index_add_ scatter_add_ masked_scatter_ put_ nan_to_num cumsum_ logit stride
storage_offset nbytes itemsize mH H renorm_ fill_diagonal_ bernoulli_ exponential_
""".split()


def test_tensor_attributes_are_every_public_one_less_the_refused() -> None:
    public = {n for n in dir(torch.Tensor) if not n.startswith("_")}
    assert public - set(REFUSED_TENSOR_ATTRIBUTES) == attributes.TENSOR_ATTRS
    assert set(NEW_TENSOR_ATTRIBUTES) <= attributes.TENSOR_ATTRS
    for name in REFUSED_TENSOR_ATTRIBUTES:
        assert policy.reason(f"torch.Tensor.{name}"), name


def test_module_attributes_are_the_public_api_less_the_refused() -> None:
    expected = """
    register_forward_hook register_forward_pre_hook register_full_backward_hook
    register_full_backward_pre_hook register_module add_module get_submodule get_parameter
    get_buffer apply named_parameters named_modules named_children named_buffers requires_grad_
    zero_grad train eval state_dict load_state_dict extra_repr type float double half bfloat16 to
    parameters buffers children modules training
    """.split()
    assert set(expected) <= attributes.MODULE_ATTRS
    assert not {"to_empty", "compile", "share_memory"} & attributes.MODULE_ATTRS
    assert {"register_parameter", "register_buffer"} == attributes.OWN_MODULE_ATTRS
    assert not attributes.MODULE_ATTRS & attributes.OWN_MODULE_ATTRS


def test_layer_configuration_comes_from_each_layer_class() -> None:
    layers = attributes.LAYER_ATTRS
    assert {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
            "groups", "padding_mode", "output_padding"} <= layers[nn.ConvTranspose2d]  # fmt: skip
    assert {"embed_dim", "num_heads", "batch_first", "kdim", "vdim"} <= layers[
        nn.MultiheadAttention
    ]
    assert {"input_size", "hidden_size", "bias"} <= layers[nn.GRUCell]
    assert {"num_embeddings", "embedding_dim", "padding_idx", "max_norm"} <= layers[nn.Embedding]
    assert {"d_model", "nhead", "num_encoder_layers"} <= layers[nn.Transformer]
    assert {"all_weights"} <= layers[nn.RNNBase]
    every = set().union(*layers.values())
    assert not every & {"device", "dtype", "self"}
    # every layer the tables hold has its own entry
    for value in TORCH.member("nn").members().values():
        if isinstance(value, type) and issubclass(value, nn.Module) and value is not nn.Module:
            assert value in layers, value


def test_counts_grew_by_principle() -> None:
    nn_classes = [v for v in members("torch.nn").values() if isinstance(v, type)]
    torch_callables = [v for v in members("torch").values() if callable(v)]
    assert len(nn_classes) >= 150  # 56 in the hand-grown list
    assert len(members("torch.nn.functional")) >= 120  # 40
    assert len(members("torch.nn.init")) >= 20  # 13
    assert len(torch_callables) >= 550  # 210
    assert len(attributes.TENSOR_ATTRS) >= 550  # 203


def test_every_refused_family_has_its_reason_and_the_principle_is_written_down() -> None:
    for family in policy.FAMILIES:
        assert family.reason.startswith("it ")
    doc = policy.__doc__ or ""
    for word in ("files", "processes", "network", "compile", "raw memory", "process-wide",
                 "uninitialised"):  # fmt: skip
        assert word in doc
    language = (REPO / "docs" / "language.md").read_text()
    assert "app/lang/policy.py" in language


def test_every_exposed_module_is_importable() -> None:
    table = surface.module_table(pyplot=None)
    for name in REAL_MODULES:
        assert name in parse.IMPORTABLE_MODULES, name
        assert name in table, name
        assert table[name] is namespaces()[name]


def test_every_reachable_callable_is_allowed_by_identity() -> None:
    allowed = surface.all_callables()
    for name in ("torch.nn.GRUCell", "torch.nn.functional.scaled_dot_product_attention",
                 "torch.nn.utils.clip_grad_norm_", "torch.autograd.functional.jacobian",
                 "torch.linalg.eigvalsh", "torch.distributions.Normal"):  # fmt: skip
        parent, _, leaf = name.rpartition(".")
        assert id(namespaces()[parent].member(leaf)) in allowed, name


# --- a sample of the new surface runs, and equals plain torch -----------------------------------


def plain(source: str) -> str:
    """What plain Python and torch print for ``source``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<plain>", "exec"), {"__name__": "__plain__"})
    return out.getvalue()


PROGRAMS = {
    "gru_cell": """
        cell = torch.nn.GRUCell(3, 4)
        h = cell(torch.randn(2, 3))
        print(h, cell.hidden_size)
    """,
    "lstm_cell": """
        cell = torch.nn.LSTMCell(3, 4)
        h, c = cell(torch.randn(2, 3))
        print(h, c)
    """,
    "conv_transpose": """
        m = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)
        y = m(torch.randn(1, 2, 4, 4))
        print(y.shape, y.sum(), m.output_padding)
    """,
    "multihead_attention": """
        attn = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        q = torch.randn(2, 5, 8)
        out, weights = attn(q, q, q)
        print(out.sum(), weights.shape, attn.num_heads, attn.head_dim)
    """,
    "clip_grad_norm": """
        m = torch.nn.Linear(4, 2)
        m(torch.randn(3, 4)).pow(2).sum().backward()
        norm = torch.nn.utils.clip_grad_norm_(m.parameters(), 0.1)
        print(norm, m.weight.grad.norm())
    """,
    "parameters_to_vector": """
        from torch.nn.utils import parameters_to_vector, vector_to_parameters
        m = torch.nn.Linear(3, 2)
        v = parameters_to_vector(m.parameters())
        vector_to_parameters(v * 2, m.parameters())
        print(v.shape, m.bias)
    """,
    "sdpa": """
        import torch.nn.functional as F
        q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 8)
        print(F.scaled_dot_product_attention(q, k, v).sum())
    """,
    "jacobian": """
        from torch.autograd.functional import jacobian, hessian
        x = torch.randn(3)
        print(jacobian(torch.sin, x), hessian(torch.sum, x).shape)
    """,
    "jacobian_of_program_function": """
        from torch.autograd.functional import jacobian
        def f(x):
            return x ** 2 + torch.sin(x)
        print(jacobian(f, torch.randn(3)))
    """,
    "tensor_methods": """
        x = torch.arange(10.0)
        print(x.unfold(0, 3, 2))
        print(x.addcmul(x, x, value=0.5))
        y = torch.zeros(10)
        y.lerp_(x, 0.25)
        print(y, x.reshape(2, 5).renorm(2, 0, 5.0))
    """,
    "rnn_utils": """
        from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence
        seqs = [torch.randn(4, 2), torch.randn(2, 2)]
        padded = pad_sequence(seqs, batch_first=True)
        packed = pack_padded_sequence(padded, [4, 2], batch_first=True)
        out, _ = torch.nn.GRU(2, 3, batch_first=True)(packed)
        unpacked, lengths = pad_packed_sequence(out, batch_first=True)
        print(packed.batch_sizes, unpacked.shape, lengths)
    """,
    "weight_norm": """
        from torch.nn.utils import weight_norm, spectral_norm
        m = weight_norm(torch.nn.Linear(3, 2))
        s = spectral_norm(torch.nn.Linear(3, 2))
        print(m(torch.ones(1, 3)), s(torch.ones(1, 3)), m.weight_g.shape)
    """,
    "linalg_fft_special": """
        a = torch.randn(3, 3)
        s = a @ a.T
        print(torch.linalg.eigvalsh(s), torch.fft.rfft(torch.arange(4.0)))
        print(torch.special.expit(torch.tensor([0.0, 1.0])), torch.linalg.vector_norm(a))
    """,
    "distributions": """
        d = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
        x = d.sample((3,))
        print(x, d.log_prob(x).sum(), d.entropy())
        c = torch.distributions.Categorical(logits=torch.tensor([0.1, 0.2, 0.7]))
        print(c.sample((4,)), c.probs)
    """,
    "data": """
        from torch.utils.data import TensorDataset, ConcatDataset, DataLoader, default_collate
        a = TensorDataset(torch.arange(4.0))
        both = ConcatDataset([a, a])
        print(len(both), both.cumulative_sizes)
        for batch in DataLoader(both, batch_size=3):
            print(batch)
        print(default_collate([torch.ones(2), torch.zeros(2)]))
    """,
    "program_module_buffers": """
        class Positional(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer('pe', torch.arange(6.0).reshape(2, 3))
                self.register_parameter('scale', torch.nn.Parameter(torch.ones(1)))
            def forward(self, x):
                return x + self.pe * self.scale
        m = Positional()
        print(m(torch.ones(2, 3)), [name for name, _ in m.named_buffers()])
    """,
    "forward_hook_handle": """
        m = torch.nn.Linear(2, 2)
        handle = m.register_forward_hook(print)
        y = m(torch.ones(1, 2))
        handle.remove()
        y = m(torch.ones(1, 2))
        print('removed')
    """,
    "layers_and_functions": """
        import torch.nn.functional as F
        x = torch.randn(1, 2, 8, 8)
        print(torch.nn.GroupNorm(1, 2)(x).mean())
        print(torch.nn.PixelShuffle(2)(torch.randn(1, 4, 2, 2)).shape)
        print(F.interpolate(x, scale_factor=2).shape, F.unfold(x, 3).shape, F.glu(torch.ones(4)))
        print(torch.nn.Embedding(5, 2)(torch.tensor([1, 3])).shape)
        print(torch.nn.init.dirac_(torch.empty(2, 2, 3)).sum())
    """,
    "finfo_and_return_types": """
        print(torch.finfo(torch.float32).eps, torch.iinfo(torch.int8).max)
        a = torch.randn(3, 3)
        sign, logabsdet = torch.linalg.slogdet(a)
        r = torch.linalg.slogdet(a)
        print(r.sign == sign, r.logabsdet == logabsdet, torch.aminmax(a).max)
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_new_surface_runs_and_equals_plain_torch(name: str) -> None:
    source = "import torch\ntorch.manual_seed(0)\n" + textwrap.dedent(PROGRAMS[name]).strip() + "\n"
    ours = run_program(source).stdout
    assert ours == plain(source)
    assert ours


# --- refusals name the reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import torch\ntorch.save(1, 'x')", "'torch.save' is not available in gradtrace: it"),
        ("import torch\ny = torch.ones(2).as_strided((9,))", "Tensor object is not allowed: it"),
        ("from torch.nn.utils import skip_init", "it returns uninitialised memory"),
        ("import torch\ntorch.foo", "'torch.foo' is not available in gradtrace"),
    ],
)  # fmt: skip
def test_refusals_name_themselves_their_reason_and_place(source: str, message: str) -> None:
    with pytest.raises(ProgramError) as info:
        run_program(source)
    error = info.value
    assert error.type == "not_allowed"
    assert message in error.message
    assert error.line is not None and error.column is not None
    if "foo" in source:
        assert re.fullmatch(r"'torch\.foo' is not available in gradtrace", error.message)


def test_register_parameter_passes_on_program_modules_only() -> None:
    source = textwrap.dedent(
        """
        import torch
        class Stack(torch.nn.Sequential):
            def __init__(self):
                super().__init__(torch.nn.Linear(2, 2))
                self.register_buffer('offset', torch.ones(2))
        m = Stack()
        print(m(torch.zeros(1, 2)).shape, m.offset)
        lstm = torch.nn.LSTM(2, 2)
        lstm.register_buffer('weight_ih_l0', torch.ones(1))
        """
    )
    with pytest.raises(ProgramError) as info:
        run_program(source)
    assert "attribute 'register_buffer' of a LSTM object is not allowed" in info.value.message
    assert info.value.line == 10
    assert info.value.stdout.startswith("torch.Size([1, 2]) tensor([1., 1.])")
