"""What a program may reach in torch, decided by one principle, with every refusal's reason.

The principle
-------------

Everything PyTorch defines *to compute on tensors* is available: every layer in ``torch.nn``,
every function in ``torch.nn.functional`` and ``torch.nn.init``, the functions of ``torch``,
``torch.linalg``, ``torch.fft``, ``torch.special``, ``torch.autograd`` (and its
``functional``), ``torch.func``, ``torch.nn.utils`` (with ``rnn``),
``torch.distributions`` and ``torch.utils.data``, and every public Tensor method and property.
The tables in ``surface.py`` and ``attributes.py`` are built by enumerating those real modules
and classes once, at import; a program still never reaches torch through ``getattr``.

Left out, because they are not computations on tensors: imported modules and typing names,
torch's dispatch and scripting helpers (``handle_torch_function``, ``boolean_dispatch``...), the
TorchScript IR classes and exceptions that ``torch`` re-exports, and submodules not listed
above.

Refused, each with the reason its refusal message gives, is only what would

- touch **files** (``torch.load``, ``torch.save``, ``from_file``, shared memory);
- start or steer **processes or threads** (``torch.multiprocessing``, ``torch.distributed``,
  ``DataParallel``, ``set_num_threads``, TorchScript's ``fork``);
- reach the **network** (``torch.hub``);
- **compile** or capture code outside the interpreter (``torch.compile``, ``jit``, ``export``,
  ``fx``, ``_dynamo``, ``library``, ``ops``, ``classes``, ``cond``, ``while_loop``,
  ``Module.compile``, ``torch.func.linearize``/``functionalize``);
- reach **raw memory** past PyTorch's shape checks (``as_strided``, ``set_``, storages,
  ``frombuffer``, DLPack, ``resize_``, sparse constructors whose indices go unchecked, kernel
  entry points that trust their inputs' shapes such as ``torch.lstm`` or ``fbgemm_*``, and
  anything that swaps a PyTorch layer's parameters for tensors of another shape:
  ``register_parameter`` on a PyTorch layer, ``functional_call``, parametrizations, whose
  ``ParametrizationList`` sits in a ModuleDict the program can write; and sparse tensors'
  index tensors, whose in-place edits crashed the process: ``to_sparse*``, ``indices()``,
  ``crow_indices()``..., the sparse layouts);
- change **process-wide state** that would leak into the next program run by the same warm
  worker (``set_default_tensor_type``, ``use_deterministic_algorithms``, ``set_flush_denormal``,
  autocast, ``register_kl``...). State that the worker restores after each program (grad mode,
  anomaly detection, default dtype, print options, seeds) stays available;
- hand out **uninitialised memory** that can hold an earlier program's numbers
  (``empty_strided``, ``Tensor.new``, ``nn.utils.skip_init``, ``Module.to_empty``).
  ``torch.empty``, ``empty_like``, ``new_empty`` and the sized legacy constructors stay, because
  the guard zero-fills what they return.

A name of a real module that is not in a table is refused with the prefix
``'<module>.<name>' is not available in gradtrace`` followed by the reason from the tables
below (``: it reads or writes files``), or, for what the enumeration left out, that it is not a
computation on tensors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A family of refused names and the reason every refusal in it gives."""

    name: str
    reason: str


FILES = Family("files", "it reads or writes files")
PROCESSES = Family("processes", "it starts or steers processes or threads")
NETWORK = Family("network", "it reaches the network")
COMPILATION = Family("compilation", "it compiles or captures code outside the interpreter")
RAW_MEMORY = Family("raw memory", "it reaches raw memory past PyTorch's shape checks")
LAYER_SHAPES = Family(
    "raw memory",
    "it can give a PyTorch layer parameters of another shape, which its kernels trust (raw memory)",
)
SPARSE_INDICES = Family(
    "raw memory",
    "sparse kernels trust a sparse tensor's index tensors, which the program could edit "
    "(raw memory)",
)
GLOBAL_STATE = Family(
    "global state", "it changes process-wide state that would leak into the next program"
)
UNINITIALISED = Family(
    "uninitialised memory",
    "it returns uninitialised memory, which can hold an earlier program's numbers",
)
INTERNALS = Family("internals", "it is part of PyTorch's machinery, not a computation on tensors")

FAMILIES = (FILES, PROCESSES, NETWORK, COMPILATION, RAW_MEMORY, GLOBAL_STATE, UNINITIALISED)


def _names(family: Family, text: str) -> dict[str, Family]:
    return dict.fromkeys(text.split(), family)


# Refused members by qualified name, as a program spells them. Tensor methods and properties
# are "torch.Tensor.<name>", nn.Module methods "torch.nn.Module.<name>".
REFUSED: dict[str, Family] = {
    **_names(
        FILES,
        """
        torch.load torch.save torch.from_file torch.serialization torch.storage torch.package
        torch.get_file_path torch.import_ir_module torch.import_ir_module_from_buffer
        torch.Tensor.share_memory_ torch.nn.Module.share_memory torch.autograd.profiler
        torch.autograd.profiler_legacy torch.autograd.profiler_util torch.profiler
        torch.utils.cpp_extension torch.utils.tensorboard torch.utils.checkpoint
        torch.PyTorchFileReader torch.PyTorchFileWriter
        """,
    ),
    **_names(
        PROCESSES,
        """
        torch.multiprocessing torch.distributed torch.set_num_threads
        torch.set_num_interop_threads torch.init_num_threads torch.fork torch.wait
        torch.prepare_multiprocessing_environment torch.futures torch.nn.DataParallel
        torch.nn.parallel torch.nn.SyncBatchNorm torch.autograd.set_multithreading_enabled
        torch.utils.data.DistributedSampler torch.utils.data.get_worker_info
        """,
    ),
    **_names(NETWORK, "torch.hub torch.utils.model_zoo"),
    **_names(
        COMPILATION,
        """
        torch.compile torch.jit torch.export torch.fx torch.library torch.ops torch.classes
        torch.compiler torch.cond torch.while_loop torch.parse_ir torch.parse_schema
        torch.parse_type_comment torch.merge_type_from_type_comment torch.unify_type_list
        torch.quantized_gru torch.quantized_lstm torch.nn.Module.compile
        torch.func.linearize torch.func.functionalize torch.func.debug_unwrap
        """,
    ),
    **_names(
        RAW_MEMORY,
        """
        torch.as_strided torch.as_strided_ torch.as_strided_copy torch.as_strided_scatter
        torch.frombuffer torch.from_dlpack torch.to_dlpack torch.resize_as_
        torch.resize_as_sparse_ torch.sparse_coo_tensor torch.sparse_csr_tensor
        torch.sparse_csc_tensor torch.sparse_bsr_tensor torch.sparse_bsc_tensor
        torch.sparse_compressed_tensor torch.slice_inverse torch.segment_reduce
        torch.embedding_bag torch.lstm torch.gru torch.rnn_tanh torch.rnn_relu
        torch.lstm_cell torch.gru_cell torch.rnn_tanh_cell torch.rnn_relu_cell
        torch.fused_moving_avg_obs_fake_quant torch.UntypedStorage torch.TypedStorage
        torch.Tensor.as_strided torch.Tensor.as_strided_ torch.Tensor.as_strided_scatter
        torch.Tensor.set_ torch.Tensor.storage torch.Tensor.untyped_storage
        torch.Tensor.storage_type torch.Tensor.resize_ torch.Tensor.resize_as_
        torch.Tensor.resize torch.Tensor.resize_as torch.Tensor.sparse_resize_
        torch.Tensor.sparse_resize_and_clear_ torch.Tensor.pin_memory
        torch.Tensor.record_stream torch.Tensor.new_empty_strided
        torch.nn.utils.rnn.PackedSequence torch.nn.utils.rnn.PackedSequence_
        torch.nn.functional.grouped_mm torch.nn.functional.scaled_grouped_mm
        torch.nn.functional.scaled_mm
        """,
    ),
    **_names(
        LAYER_SHAPES,
        """
        torch.nn.Module.register_parameter torch.nn.Module.register_buffer
        torch.func.functional_call torch.nn.utils.stateless torch.nn.utils.parametrize
        torch.nn.utils.stateless.functional_call
        torch.nn.utils.parametrize.register_parametrization torch.nn.utils.parametrizations
        """,
    ),
    **_names(
        SPARSE_INDICES,
        """
        torch.Tensor.to_sparse torch.Tensor.to_sparse_coo torch.Tensor.to_sparse_csr
        torch.Tensor.to_sparse_csc torch.Tensor.to_sparse_bsr torch.Tensor.to_sparse_bsc
        torch.Tensor.indices torch.Tensor.crow_indices torch.Tensor.col_indices
        torch.Tensor.ccol_indices torch.Tensor.row_indices torch.Tensor.to_mkldnn
        torch.sparse_coo torch.sparse_csr torch.sparse_csc torch.sparse_bsr torch.sparse_bsc
        torch.jagged torch.sparse torch.nested
        """,
    ),
    **_names(
        GLOBAL_STATE,
        """
        torch.set_default_tensor_type torch.set_default_device torch.use_deterministic_algorithms
        torch.set_deterministic_debug_mode torch.set_float32_matmul_precision
        torch.set_flush_denormal torch.set_warn_always
        torch.set_rng_state torch.autocast torch.amp torch.backends torch.clear_autocast_cache
        torch.autocast_increment_nesting torch.autocast_decrement_nesting
        torch.autograd.graph
        torch.autograd.enforce_grad_layout_policy torch.autograd.anomaly_mode
        torch.distributions.register_kl torch.distributions.Distribution.set_default_validate_args
        torch.distributions.constraint_registry torch.distributions.biject_to
        torch.distributions.transform_to torch.nn.attention torch.overrides
        torch.cuda.memory torch.cuda.set_per_process_memory_fraction
        """,
    ),
    **_names(
        UNINITIALISED,
        """
        torch.empty_strided torch.empty_permuted torch.empty_quantized torch.Tensor.new
        torch.nn.utils.skip_init torch.nn.Module.to_empty torch.nn.UninitializedParameter
        torch.nn.UninitializedBuffer
        """,
    ),
}

# Lazy layers' own machinery: their forward calls it, under the forward's size estimate.
REFUSED["torch.nn.Module.initialize_parameters"] = INTERNALS

# Refused by prefix of the qualified name: whole families of names.
REFUSED_PREFIXES: dict[str, Family] = {
    "torch._": INTERNALS,  # private names: refused on every object but the program's own
    "torch.set_autocast_": GLOBAL_STATE,
    "torch.sym_": COMPILATION,  # symbolic shapes of the compiler
    # backend kernel entry points: they trust the layouts and shapes of what they are given
    "torch.fbgemm_": RAW_MEMORY,
    "torch.mkldnn_": RAW_MEMORY,
    "torch.miopen_": RAW_MEMORY,
    "torch.cudnn_": RAW_MEMORY,
    "torch.quantized_": RAW_MEMORY,
    "torch.batch_norm_": RAW_MEMORY,  # SyncBatchNorm's statistics kernels
}

# Modules whose functions are torch's dispatch, scripting or typing machinery.
INTERNAL_MODULES = frozenset(
    {
        "torch._C", "torch.overrides", "torch._jit_internal", "torch._utils",
        "torch._utils_internal", "torch.utils._typing_utils", "torch.jit", "torch._ops",
        "torch._classes", "typing",
    }
)  # fmt: skip
# Functions of computing modules that are helpers of torch's own code, not computations.
HELPER_NAMES = frozenset(
    {
        "handle_torch_function", "has_torch_function", "has_torch_function_unary",
        "has_torch_function_variadic", "boolean_dispatch", "is_tensor_like", "factory_kwargs",
        "bind", "copy_method_params", "cast", "overload", "classproperty", "get_device_module",
        "thread_safe_generator", "variable", "assert_int_or_pair",
    }
)  # fmt: skip
# Modules whose own functions compute (builtins of torch live in torch._C._nn etc.).
COMPUTING_BUILTIN_MODULES = frozenset(
    {
        "torch", "torch._C._nn", "torch._C._VariableFunctions", "torch._C._linalg",
        "torch._C._fft", "torch._C._special",
    }
)  # fmt: skip


def family_of(qualified: str) -> Family | None:
    """The refused family of ``qualified`` (``torch.save``, ``torch.Tensor.set_``), if any."""
    family = REFUSED.get(qualified)
    if family is not None:
        return family
    for prefix, prefixed in REFUSED_PREFIXES.items():
        if qualified.startswith(prefix):
            return prefixed
    if qualified.startswith("torch.") and qualified.endswith("Storage"):
        return RAW_MEMORY  # torch.FloatStorage and the other storage classes
    parent, _, _ = qualified.rpartition(".")
    while parent:  # torch.jit.script is refused with torch.jit
        family = REFUSED.get(parent)
        if family is not None:
            return family
        parent, _, _ = parent.rpartition(".")
    return None


def is_refused(qualified: str) -> bool:
    family = family_of(qualified)
    return family is not None and family is not INTERNALS


def reason(qualified: str) -> str | None:
    """The reason a refusal of ``qualified`` gives, or None when it is not a refused name."""
    family = family_of(qualified)
    return None if family is None else family.reason


def because(qualified: str) -> str:
    """``": <reason>"`` to end a refusal of ``qualified`` with, or "" when it has none."""
    text = reason(qualified)
    return f": {text}" if text else ""
