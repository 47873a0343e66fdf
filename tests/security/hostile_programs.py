"""Hostile programs, by family: each is refused with an error type and a word its message names.

A program written by an attacker of *our* design: the interpreter's allow-lists (attributes by
type, callables by identity, modules as fixed tables), its estimators (sizes before allocation),
and the OS fence around the worker. ``word`` is what the message must name: the attribute, the
function, or, for ``limit`` errors, the limit's setting (also checked against ``error.limit``).

Files a program tries to write are named with ``FILE_MARKER``, so the tests can look for them
anywhere. Loops and other step-bound programs run in-process under a smaller ``max_steps`` (the
same refusal, ten times sooner); over HTTP they meet the server's defaults.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Literal

ErrorType = Literal["syntax", "not_allowed", "limit", "runtime", "timeout", "crash"]

FILE_MARKER = "gradtrace_pwned"
FAST_STEPS = {"max_steps": 100_000}


@dataclass(frozen=True)
class Hostile:
    """One hostile program and the refusal it must meet."""

    family: str
    name: str
    source: str
    error: ErrorType
    word: str
    limits: dict[str, int] = field(default_factory=dict)  # in-process overrides of the defaults
    positioned: bool = True  # the error names a line and column
    local: bool = True  # safe to run in the test process (no fence there)

    @property
    def id(self) -> str:
        return f"{self.family}-{self.name}"


def _p(source: str) -> str:
    return textwrap.dedent(source).strip("\n") + "\n"


# ------------------------------------------------------------------------------------------------
# Attribute-chain escapes: reach type objects, frames, globals or builtins through attributes.
# ------------------------------------------------------------------------------------------------
ATTRIBUTE_ESCAPES = [
    # the classic: an int's class, its base (object) and every loaded class
    (
        "class_of_int",
        "x = (1).__class__.__base__.__subclasses__()",
        "not_allowed",
        "__subclasses__",
    ),
    ("tuple_mro", "x = ().__class__.__mro__[1]", "not_allowed", "__mro__"),
    ("class_of_int_alone", "x = (1).__class__", "not_allowed", "__class__"),
    (
        "subclasses_of_module",
        "import torch\nx = torch.nn.Module.__subclasses__()",
        "not_allowed",
        "__subclasses__",
    ),
    # a builtin function's module globals, and the builtins dict behind it
    ("globals_of_print", "g = print.__globals__", "not_allowed", "__globals__"),
    ("builtins_of_print", "b = print.__builtins__", "not_allowed", "__builtins__"),
    ("builtins_name", "b = __builtins__", "not_allowed", "__builtins__"),
    ("dunder_import", "os = __import__('os')", "not_allowed", "__import__"),
    # generator frames (RestrictedPython CVE-2023-37271): model.modules() hands out a generator
    (
        "generator_frame",
        "import torch\ng = torch.nn.Linear(1, 1).modules()\nf = g.gi_frame",
        "not_allowed",
        "gi_frame",
    ),
    (
        "generator_code",
        "import torch\ng = torch.nn.Linear(1, 1).parameters()\nc = g.gi_code",
        "not_allowed",
        "gi_code",
    ),
    (
        "frame_globals_by_chain",
        "import torch\ng = torch.nn.Linear(1, 1).modules()\nnext(g)\n"
        "x = g.gi_frame.f_back.f_globals",
        "not_allowed",
        "gi_frame",
    ),
    (
        "generator_send",
        "import torch\ng = torch.nn.Linear(1, 1).children()\ng.send(None)",
        "not_allowed",
        "send",
    ),
    # type objects: type(x) is a stand-in that can neither be called nor walked
    ("type_mro", "t = type(1)\nm = t.mro()", "not_allowed", "mro"),
    ("type_called", "t = type(1)\ny = t('5')", "not_allowed", "calling"),
    ("type_stand_in_class", "t = type(1).cls", "not_allowed", "cls"),
    ("type_three_args", "T = type('T', (), {})", "not_allowed", "type()"),
    (
        "type_of_tensor_walk",
        "import torch\nt = type(torch.ones(1))\nd = t.mro",
        "not_allowed",
        "mro",
    ),
    # getattr-likes and introspection builtins are simply absent
    ("getattr_builtin", "x = getattr(1, '__class__')", "not_allowed", "__class__"),
    (
        "getattr_private_torch",
        "import torch\nx = getattr(torch.ones(1), '_cdata')",
        "not_allowed",
        "_cdata",
    ),
    ("vars_builtin", "x = vars()", "runtime", "vars"),
    ("globals_builtin", "x = globals()", "runtime", "globals"),
    ("dir_builtin", "x = dir(print)", "runtime", "dir"),
    ("setattr_builtin", "import torch\nsetattr(torch, 'add', print)", "not_allowed", "'add'"),
    ("object_builtin", "x = object.__subclasses__()", "not_allowed", "__subclasses__"),
    # attributes of allowed objects that lead out: a grad_fn's variable, an array's base
    (
        "grad_fn_class",
        "import torch\nx = torch.ones(1, requires_grad=True)\nc = (x * 2).grad_fn.__class__",
        "not_allowed",
        "__class__",
    ),
    (
        "grad_fn_variable",
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "v = (x * 2).sum().grad_fn.next_functions[0][0].variable",
        "not_allowed",
        "variable",
    ),
    (
        "grad_fn_raw_saved",
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "s = x.exp().grad_fn._raw_saved_result",
        "not_allowed",
        "_raw_saved_result",
    ),
    ("ndarray_base", "import torch\nb = torch.ones(2).numpy().base", "not_allowed", "base"),
    (
        "optimizer_state_factory",
        "import torch\np = torch.ones(1, requires_grad=True)\n"
        "opt = torch.optim.SGD([p], lr=0.1)\nf = opt.state.default_factory",
        "not_allowed",
        "default_factory",
    ),
    (
        "bound_method_func",
        "import torch\nm = torch.nn.Linear(1, 1)\nf = m.forward.__func__",
        "not_allowed",
        "__func__",
    ),
    ("bound_method_self", "s = [].append.__self__", "not_allowed", "__self__"),
    ("user_function_globals", "def f():\n    return 1\ng = f.globals", "not_allowed", "globals"),
    # super() misuse: only super().__init__ and allowed methods of the program's own classes
    ("super_foreign_class", "s = super(int, 1)", "not_allowed", "super"),
    ("super_outside_method", "s = super()", "runtime", "super"),
    (
        "super_to_empty",
        "import torch\nclass M(torch.nn.Module):\n    pass\nm = M()\n"
        "super(M, m).to_empty(device='cpu')",
        "not_allowed",
        "to_empty",
    ),
    (
        "super_init_globals",
        "import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n"
        "        g = super().__init__.__globals__\nm = M()",
        "not_allowed",
        "__globals__",
    ),
    # a program's classes may not define dunders that Python would call behind our back
    (
        "class_dunder_method",
        "import torch\nclass M(torch.nn.Module):\n    def __getattr__(self, n):\n        return 1",
        "not_allowed",
        "__getattr__",
    ),
    (
        "class_dunder_assign",
        "import torch\nclass M(torch.nn.Module):\n    __repr__ = print",
        "not_allowed",
        "__repr__",
    ),
    (
        "class_tensor_base",
        "import torch\nclass M(torch.Tensor):\n    pass",
        "not_allowed",
        "derive from",
    ),
    ("class_base_int", "class M(int):\n    pass", "not_allowed", "torch.nn.Module"),
    (
        "self_dict",
        "import torch\nclass M(torch.nn.Module):\n    def f(self):\n"
        "        return self.__dict__\nM().f()",
        "not_allowed",
        "__dict__",
    ),
    # hooks run functions from inside torch, at times the interpreter does not choose: they are
    # allowed, and what they will call must be something the program may call (a grad_fn Node
    # is not), wrapped so that each call is checked like the program's own
    (
        "module_apply",
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "torch.nn.Linear(1, 1).apply((x * 2).grad_fn)",
        "not_allowed",
        "as a function",
    ),
    (
        "tensor_register_hook",
        "import torch\nx = torch.ones(1, requires_grad=True)\nx.register_hook((x * 2).grad_fn)",
        "not_allowed",
        "as a function",
    ),
    (
        "forward_hook",
        "import torch\nx = torch.ones(1, requires_grad=True)\n"
        "torch.nn.Linear(1, 1).register_forward_hook((x * 2).grad_fn)",
        "not_allowed",
        "as a function",
    ),
    (
        "node_hook",
        "import torch\nx = torch.ones(1, requires_grad=True)\n(x * 2).grad_fn.register_hook(print)",
        "not_allowed",
        "register_hook",
    ),
    # keyword splats: a dict may not smuggle '_' names past the parser
    (
        "splat_dunder_keyword",
        "def f(**k):\n    return k\nf(**{'__class__': 1})",
        "not_allowed",
        "'_'",
    ),
    ("dunder_keyword", "x = dict(__class__=1)", "not_allowed", "__class__"),
]

# ------------------------------------------------------------------------------------------------
# Callables handed to code that calls them later (asteval / simpleeval-style escapes): a grad_fn
# Node is callable but not callable *by the program*; passed as a callback it must still be.
# ------------------------------------------------------------------------------------------------
_NODE = "import torch\nx = torch.ones(2, requires_grad=True)\ng = (x * 3).sum().grad_fn\n"
CALLBACKS = [
    # AccumulateGrad called directly sets x.grad to a tensor of the wrong shape
    (
        "sorted_key_node",
        _NODE + "a = g.next_functions[0][0].next_functions[0][0]\n"
        "sorted([torch.ones(7, 7)], key=a)",
        "not_allowed",
        "AccumulateGrad",
    ),
    ("max_key_node", _NODE + "m = max([torch.ones(2)], key=g)", "not_allowed", "calling"),
    ("min_key_node", _NODE + "m = min([1, 2], key=g)", "not_allowed", "calling"),
    ("map_node", _NODE + "m = map(g, [torch.ones(())])", "not_allowed", "calling"),
    ("filter_node", _NODE + "m = filter(g, [torch.ones(())])", "not_allowed", "calling"),
    ("list_sort_key_node", _NODE + "L = [torch.ones(())]\nL.sort(key=g)", "not_allowed", "passing"),
    (
        "optimizer_closure_node",
        _NODE + "opt = torch.optim.SGD([x], lr=0.1)\nopt.step(g)",
        "not_allowed",
        "passing",
    ),
    ("iter_sentinel", _NODE + "v = next(iter(g, 0))", "not_allowed", "iter"),
    # forward runs with the caller's arguments inside torch: it must be the program's own code
    (
        "forward_is_library_function",
        "import torch\nclass M(torch.nn.Module):\n    pass\n"
        "m = M()\nm.forward = torch.zeros\ny = m(100000, 100000)",
        "not_allowed",
        "forward",
    ),
    (
        "forward_in_class_body",
        "import torch\nclass M(torch.nn.Module):\n    forward = torch.zeros\n",
        "not_allowed",
        "forward",
    ),
    (
        "forward_is_node",
        _NODE + "class M(torch.nn.Module):\n    pass\nm = M()\nm.forward = g",
        "not_allowed",
        "forward",
    ),
    (
        "forward_of_torch_layer",
        "import torch\nm = torch.nn.Linear(1, 1)\nm.forward = print",
        "not_allowed",
        "forward",
    ),
    # numpy's callable wrappers would call anything from C
    (
        "np_frompyfunc",
        "import numpy as np\nf = np.frompyfunc(print, 1, 1)",
        "not_allowed",
        "frompyfunc",
    ),
    ("np_vectorize", "import numpy as np\nf = np.vectorize(print)", "not_allowed", "vectorize"),
    # str.format through map: the method is not reachable from the class
    ("map_str_format", "r = map(str.format, ['{0.__class__}'], [1])", "not_allowed", "format"),
    (
        "dataloader_collate_fn",
        "import torch\nfrom torch.utils.data import DataLoader, "
        "TensorDataset\nd = DataLoader(TensorDataset(torch.ones(2, 1)), collate_fn=print)",
        "not_allowed",
        "collate_fn",
    ),
]

# ------------------------------------------------------------------------------------------------
# Format-string walks: str.format resolves attributes inside the template.
# ------------------------------------------------------------------------------------------------
FORMAT_WALKS = [
    ("format_attribute", "s = '{0.__class__}'.format(1)", "not_allowed", "format"),
    ("format_map", "s = '{x.__class__}'.format_map({'x': 1})", "not_allowed", "format_map"),
    ("format_builtin", "s = format(1, '>99999')", "limit", "max_format_width"),
    ("fstring_attribute", "s = f'{(1).__class__}'", "not_allowed", "__class__"),
    ("fstring_spec_attribute", "s = f'{1:{(1).__class__}}'", "not_allowed", "__class__"),
    # widths: a few characters of template, gigabytes of output
    ("fstring_width", "s = f'{1:>999999999}'", "limit", "max_format_width"),
    ("fstring_runtime_width", "w = 10**9\ns = f'{1:>{w}}'", "limit", "max_format_width"),
    ("percent_star_width", "s = '%*d' % (10**9, 1)", "limit", "max_format_width"),
    ("percent_mapping_width", "s = '%(a)999999999d' % {'a': 1}", "limit", "max_format_width"),
    ("percent_precision", "s = '%.999999999f' % 1.0", "limit", "max_format_width"),
    # many fields, each printing a megabyte
    (
        "percent_many_fields",
        "a = 'x' * 1000000\ns = '%s' * 10000 % ((a,) * 10000)",
        "limit",
        "max_sequence_length",
    ),
    (
        "fstring_many_fields",
        "a = 'x' * 600000\ns = f'{a}{a}{a}{a}'",
        "limit",
        "max_sequence_length",
    ),
    ("str_center", "s = 'x'.center(10**10)", "limit", "max_sequence_length"),
    (
        "str_replace_growth",
        "s = ('x' * 100000).replace('', 'yyyyyyyyyy')",
        "limit",
        "max_sequence_length",
    ),
    (
        "str_join_growth",
        "a = 'x' * 1000000\ns = a.join(['y'] * 1000)",
        "limit",
        "max_sequence_length",
    ),
]

# ------------------------------------------------------------------------------------------------
# Module leaks: members of torch/numpy that are modules with os, ctypes, pickle, C bindings.
# ------------------------------------------------------------------------------------------------
MODULE_LEAKS = [
    ("torch_os", "import torch\nos = torch.os", "not_allowed", "torch.os"),
    ("torch_sys", "import torch\ns = torch.sys", "not_allowed", "torch.sys"),
    ("torch_ctypes", "import torch\nc = torch.ctypes", "not_allowed", "torch.ctypes"),
    (
        "torch_serialization_pickle",
        "import torch\np = torch.serialization.pickle",
        "not_allowed",
        "torch.serialization",
    ),
    ("torch_C", "import torch\nc = torch._C", "not_allowed", "_C"),
    ("torch_ops", "import torch\no = torch.ops.aten", "not_allowed", "torch.ops"),
    (
        "torch_library",
        "import torch\nlib = torch.library.Library('x', 'DEF')",
        "not_allowed",
        "torch.library",
    ),
    ("torch_hub", "import torch\nm = torch.hub.load('x/y', 'z')", "not_allowed", "torch.hub"),
    (
        "torch_cpp_extension",
        "import torch\ne = torch.utils.cpp_extension",
        "not_allowed",
        "cpp_extension",
    ),
    ("torch_backends", "import torch\nb = torch.backends", "not_allowed", "torch.backends"),
    (
        "torch_distributed",
        "import torch\nd = torch.distributed",
        "not_allowed",
        "torch.distributed",
    ),
    ("torch_fx", "import torch\nf = torch.fx", "not_allowed", "torch.fx"),
    ("torch_package", "import torch\np = torch.package", "not_allowed", "torch.package"),
    (
        "torch_autograd_graph_hooks",
        "import torch\ng = torch.autograd.graph.register_multi_grad_hook",
        "not_allowed",
        "torch.autograd.graph.register_multi_grad_hook",
    ),
    ("torch_cuda_memory", "import torch\nm = torch.cuda.memory", "not_allowed", "torch.cuda"),
    ("np_ctypeslib", "import numpy as np\nc = np.ctypeslib", "not_allowed", "numpy.ctypeslib"),
    ("np_lib", "import numpy as np\nl = np.lib.format", "not_allowed", "numpy.lib"),
    ("np_testing", "import numpy as np\nt = np.testing", "not_allowed", "numpy.testing"),
    ("np_f2py", "import numpy as np\nf = np.f2py", "not_allowed", "numpy.f2py"),
    ("from_torch_import_os", "from torch import os", "not_allowed", "os"),
    ("import_torch_hub", "import torch.hub", "not_allowed", "torch.hub"),
    ("import_numpy_ctypeslib", "import numpy.ctypeslib", "not_allowed", "numpy.ctypeslib"),
    ("import_sklearn_root", "import sklearn", "not_allowed", "sklearn"),
    ("import_relative", "from . import secrets", "not_allowed", "import"),
    ("import_star", "from torch import *", "not_allowed", "*"),
]

# ------------------------------------------------------------------------------------------------
# Files: every API that reads or writes a path (names carry FILE_MARKER).
# ------------------------------------------------------------------------------------------------
_F = FILE_MARKER
FILES = [
    ("open_read", "s = open('/etc/passwd').read()", "runtime", "open"),
    ("open_write", f"open('{_F}.txt', 'w').write('x')", "runtime", "open"),
    (
        "np_save",
        f"import numpy as np\nnp.save('{_F}.npy', np.ones(3))",
        "not_allowed",
        "numpy.save",
    ),
    (
        "np_savetxt",
        f"import numpy as np\nnp.savetxt('{_F}.txt', np.ones(3))",
        "not_allowed",
        "numpy.savetxt",
    ),
    (
        "np_load",
        "import numpy as np\na = np.load('/etc/passwd', allow_pickle=True)",
        "not_allowed",
        "numpy.load",
    ),
    (
        "np_fromfile",
        "import numpy as np\na = np.fromfile('/etc/passwd')",
        "not_allowed",
        "numpy.fromfile",
    ),
    (
        "np_loadtxt",
        "import numpy as np\na = np.loadtxt('/etc/passwd')",
        "not_allowed",
        "numpy.loadtxt",
    ),
    (
        "np_genfromtxt",
        "import numpy as np\na = np.genfromtxt('/etc/passwd')",
        "not_allowed",
        "numpy.genfromtxt",
    ),
    (
        "np_memmap",
        f"import numpy as np\na = np.memmap('{_F}.bin', mode='w+', shape=(9,))",
        "not_allowed",
        "numpy.memmap",
    ),
    (
        "ndarray_tofile",
        f"import numpy as np\nnp.ones(3).tofile('{_F}.bin')",
        "not_allowed",
        "tofile",
    ),
    ("ndarray_dump", f"import numpy as np\nnp.ones(3).dump('{_F}.pkl')", "not_allowed", "dump"),
    (
        "torch_save",
        f"import torch\ntorch.save(torch.ones(3), '{_F}.pt')",
        "not_allowed",
        "torch.save",
    ),
    (
        "torch_load",
        "import torch\nx = torch.load('/etc/passwd', weights_only=False)",
        "not_allowed",
        "torch.load",
    ),
    (
        "torch_from_file",
        "import torch\nx = torch.from_file('/etc/passwd', size=10)",
        "not_allowed",
        "torch.from_file",
    ),
    (
        "tensor_numpy_tofile",
        f"import torch\ntorch.ones(3).numpy().tofile('{_F}.bin')",
        "not_allowed",
        "tofile",
    ),
    (
        "sklearn_svmlight",
        "from sklearn.datasets import load_svmlight_file",
        "not_allowed",
        "load_svmlight_file",
    ),
    ("sklearn_fetch", "from sklearn.datasets import fetch_openml", "not_allowed", "fetch_openml"),
    ("import_pathlib", "import pathlib", "not_allowed", "pathlib"),
    ("import_shutil", "import shutil", "not_allowed", "shutil"),
    ("import_io", "import io", "not_allowed", "io"),
]

# ------------------------------------------------------------------------------------------------
# Pickle, native code, compile/JIT: every way to run code that is not the interpreter's.
# ------------------------------------------------------------------------------------------------
CODE_LOADING = [
    ("import_pickle", "import pickle", "not_allowed", "pickle"),
    ("import_marshal", "import marshal", "not_allowed", "marshal"),
    (
        "tensor_reduce_ex",
        "import torch\nr = torch.ones(1).__reduce_ex__(2)",
        "not_allowed",
        "__reduce_ex__",
    ),
    ("import_ctypes", "import ctypes", "not_allowed", "ctypes"),
    ("cdll_name", "lib = cdll.LoadLibrary('libc.so.6')", "runtime", "cdll"),
    (
        "ops_load_library",
        "import torch\ntorch.ops.load_library('/tmp/x.so')",
        "not_allowed",
        "torch.ops",
    ),
    (
        "classes_load_library",
        "import torch\ntorch.classes.load_library('/tmp/x.so')",
        "not_allowed",
        "torch.classes",
    ),
    (
        "ctypeslib_load_library",
        "import numpy as np\nnp.ctypeslib.load_library('x', '/tmp')",
        "not_allowed",
        "numpy.ctypeslib",
    ),
    ("ndarray_ctypes", "import numpy as np\np = np.ones(3).ctypes.data", "not_allowed", "ctypes"),
    ("from_dlpack", "import torch\nx = torch.from_dlpack(None)", "not_allowed", "from_dlpack"),
    ("torch_compile", "import torch\nf = torch.compile(print)", "not_allowed", "torch.compile"),
    (
        "jit_script",
        "import torch\nf = torch.jit.script(torch.nn.Linear(1, 1))",
        "not_allowed",
        "torch.jit",
    ),
    ("jit_trace", "import torch\nf = torch.jit.trace", "not_allowed", "torch.jit"),
    ("torch_export", "import torch\ne = torch.export", "not_allowed", "torch.export"),
    ("compile_builtin", "c = compile('1', 'x', 'eval')", "runtime", "compile"),
    ("exec_builtin", "exec('import os')", "runtime", "exec"),
    ("eval_builtin", "eval('1')", "runtime", "eval"),
    ("lambda_code", "f = lambda: 1\nc = f.__code__", "not_allowed", "__code__"),
    ("lambda_globals", "g = (lambda: 0).globals", "not_allowed", "globals"),
    (
        "decorator_jit",
        "import torch\n@torch.jit.script\ndef g(x):\n    return x",
        "not_allowed",
        "torch.jit",
    ),
    ("generator_frame", "def g():\n    yield 1\nf = g().gi_frame", "not_allowed", "gi_frame"),
    ("generator_body", "def g():\n    yield 1\nf = g().body", "not_allowed", "body"),
    ("async_function", "async def g():\n    pass", "not_allowed", "async"),
    (
        "try_except_star",
        "try:\n    x = 1\nexcept* Exception as e:\n    pass",
        "not_allowed",
        "except*",
    ),
    ("raise_system_exit", "raise SystemExit(0)", "runtime", "SystemExit"),
    ("global_builtins", "def f():\n    global __builtins__", "not_allowed", "__builtins__"),
    ("bytes_literal", "b = b'\\x00'", "not_allowed", "bytes"),
]

# ------------------------------------------------------------------------------------------------
# Processes and threads: spawning, forking, and torch's own worker pools.
# ------------------------------------------------------------------------------------------------
PROCESSES = [
    ("import_os", "import os\nos.system('id')", "not_allowed", "os"),
    ("from_os_system", "from os import system", "not_allowed", "os"),
    ("import_subprocess", "import subprocess", "not_allowed", "subprocess"),
    ("import_threading", "import threading", "not_allowed", "threading"),
    (
        "import_multiprocessing",
        "from multiprocessing import Pool",
        "not_allowed",
        "multiprocessing",
    ),
    (
        "torch_multiprocessing",
        "import torch.multiprocessing",
        "not_allowed",
        "torch.multiprocessing",
    ),
    ("import_concurrent", "import concurrent.futures", "not_allowed", "concurrent"),
    ("import_signal", "import signal", "not_allowed", "signal"),
    ("import_socket", "import socket", "not_allowed", "socket"),
    (
        "dataloader_worker_init",
        "import torch\nfrom torch.utils.data import DataLoader, "
        "TensorDataset\nd = DataLoader(TensorDataset(torch.ones(2, 1)), worker_init_fn=print)",
        "not_allowed",
        "worker_init_fn",
    ),
    (
        "dataloader_mp_context",
        "import torch\nfrom torch.utils.data import DataLoader, "
        "TensorDataset\nd = DataLoader(TensorDataset(torch.ones(2, 1)), num_workers=2, "
        "multiprocessing_context='fork')",
        "not_allowed",
        "multiprocessing_context",
    ),
    (
        "set_num_threads",
        "import torch\ntorch.set_num_threads(64)",
        "not_allowed",
        "torch.set_num_threads",
    ),
    (
        "set_num_interop_threads",
        "import torch\ntorch.set_num_interop_threads(64)",
        "not_allowed",
        "torch.set_num_interop_threads",
    ),
]

# ------------------------------------------------------------------------------------------------
# Huge allocations, refused by the estimators before torch or numpy allocates.
# ------------------------------------------------------------------------------------------------
_T = "import torch\n"
_N = "import numpy as np\n"
ALLOCATIONS = [
    ("torch_zeros", _T + "x = torch.zeros(10**6, 10**6)", "limit", "max_tensor_elements"),
    ("torch_empty", _T + "x = torch.empty(10**12)", "limit", "max_tensor_elements"),
    ("torch_randn_splat", _T + "x = torch.randn(*[1000] * 4)", "limit", "max_tensor_elements"),
    ("torch_full", _T + "x = torch.full((10**5, 10**5), 1.0)", "limit", "max_tensor_elements"),
    ("torch_eye", _T + "x = torch.eye(10**6)", "limit", "max_tensor_elements"),
    ("torch_arange", _T + "x = torch.arange(10**12)", "limit", "max_tensor_elements"),
    ("torch_linspace", _T + "x = torch.linspace(0, 1, 10**10)", "limit", "max_tensor_elements"),
    ("np_ones", _N + "x = np.ones((10**6, 10**6))", "limit", "max_tensor_elements"),
    ("np_zeros", _N + "x = np.zeros(10**11)", "limit", "max_tensor_elements"),
    ("np_ndarray", _N + "x = np.ndarray((10**5, 10**5))", "limit", "max_tensor_elements"),
    ("np_identity", _N + "x = np.identity(10**5)", "limit", "max_tensor_elements"),
    ("linear_layer", _T + "m = torch.nn.Linear(10**6, 10**6)", "limit", "max_tensor_elements"),
    (
        "embedding_layer",
        _T + "m = torch.nn.Embedding(10**6, 10**3)",
        "limit",
        "max_tensor_elements",
    ),
    ("conv_layer", _T + "m = torch.nn.Conv2d(10**4, 10**4, 3)", "limit", "max_tensor_elements"),
    ("lstm_layer", _T + "m = torch.nn.LSTM(10**4, 10**4)", "limit", "max_tensor_elements"),
    ("expand", _T + "x = torch.ones(1).expand(10**9)", "limit", "max_tensor_elements"),
    ("new_zeros", _T + "x = torch.ones(1).new_zeros(10**9)", "limit", "max_tensor_elements"),
    (
        "pad",
        _T + "x = torch.nn.functional.pad(torch.ones(2), (0, 10**9))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "one_hot",
        _T + "x = torch.nn.functional.one_hot(torch.arange(10**4))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "one_hot_inferred_classes",
        _T + "x = torch.nn.functional.one_hot(torch.tensor([10**9]))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "broadcast_add",
        _T + "x = torch.ones(10**5, 1) + torch.ones(1, 10**5)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "broadcast_compare",
        _T + "x = torch.ones(10**5, 1) < torch.ones(1, 10**5)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "matmul_outer",
        _T + "x = torch.ones(10**5, 1) @ torch.ones(1, 10**5)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "outer",
        _T + "x = torch.outer(torch.ones(10**5), torch.ones(10**5))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "kron",
        _T + "x = torch.kron(torch.ones(10**4), torch.ones(10**4))",
        "limit",
        "max_tensor_elements",
    ),
    # shapes the output takes from the values, not the inputs' sizes
    ("diag_of_vector", _T + "x = torch.diag(torch.zeros(10**5))", "limit", "max_tensor_elements"),
    (
        "cdist",
        _T + "x = torch.cdist(torch.zeros(10**5, 1), torch.zeros(10**5, 1))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "inner",
        _T + "x = torch.inner(torch.zeros(10**5, 1), torch.zeros(10**5, 1))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "tensordot_dims0",
        _T + "x = torch.tensordot(torch.ones(10**5), torch.ones(10**5), dims=0)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "addmm",
        _T + "x = torch.addmm(torch.zeros(1), torch.zeros(10**5, 1), torch.zeros(1, 10**5))",
        "limit",
        "max_tensor_elements",
    ),
    ("randperm", _T + "x = torch.randperm(10**10)", "limit", "max_tensor_elements"),
    (
        "normal_with_size",
        _T + "x = torch.normal(0.0, 1.0, (10**5, 10**5))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "randint_high_size",
        _T + "x = torch.randint(10, (10**5, 10**5))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "multinomial",
        _T + "x = torch.multinomial(torch.ones(2), 10**10, replacement=True)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "repeat_interleave_tensor",
        _T + "x = torch.ones(3).repeat_interleave(torch.tensor([10**10]))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "linear_forward",
        _T + "m = torch.nn.Linear(10, 10**6)\ny = m(torch.zeros(1000, 10))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "embedding_forward",
        _T + "m = torch.nn.Embedding(1, 1000)\ny = m(torch.zeros(10**6, dtype=torch.long))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "conv_padding",
        _T + "m = torch.nn.Conv2d(1, 1, 3, padding=10**5)\ny = m(torch.zeros(1, 1, 1, 1))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "lstm_forward",
        _T + "m = torch.nn.LSTM(1, 1000)\ny = m(torch.zeros(10**6, 1, 1))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "attention_weights",
        _T + "m = torch.nn.MultiheadAttention(8, 2)\nq = torch.zeros(10**5, 1, 8)\ny = m(q, q, q)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "np_random_normal",
        _N + "x = np.random.normal(0, 1, (10**5, 10**5))",
        "limit",
        "max_tensor_elements",
    ),
    ("np_random_choice", _N + "x = np.random.choice(10, 10**10)", "limit", "max_tensor_elements"),
    ("np_permutation", _N + "x = np.random.permutation(10**10)", "limit", "max_tensor_elements"),
    (
        "np_inner",
        _N + "x = np.inner(np.ones((10**5, 1)), np.ones((10**5, 1)))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "sklearn_dataset",
        "from sklearn.datasets import make_regression\n"
        "X, y = make_regression(n_samples=10**7, n_features=10**4)",
        "limit",
        "max_tensor_elements",
    ),
    ("range_to_tensor", _T + "x = torch.tensor(range(10**9))", "limit", "max_sequence_length"),
    ("list_repeat", "x = [0] * 10**10", "limit", "max_sequence_length"),
    ("string_repeat", "x = 'ab' * 10**10", "limit", "max_sequence_length"),
    ("tolist_of_big", _T + "x = torch.zeros(2 * 10**6).tolist()", "limit", "max_sequence_length"),
]

# ------------------------------------------------------------------------------------------------
# Exponential growth: each step doubles (or squares) what the last one made.
# ------------------------------------------------------------------------------------------------
GROWTH = [
    (
        "repeat_in_loop",
        _T + "x = torch.ones(2, 2)\nfor i in range(64):\n    x = x.repeat(2, 2)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "cat_in_loop",
        _T + "x = torch.ones(8)\nfor i in range(64):\n    x = torch.cat([x, x])",
        "limit",
        "max_tensor_elements",
    ),
    (
        "kron_in_loop",
        _T + "x = torch.ones(2)\nfor i in range(64):\n    x = torch.kron(x, x)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "broadcast_in_loop",
        _T + "x = torch.ones(2)\nfor i in range(64):\n    x = x.unsqueeze(0) + x.unsqueeze(1)",
        "limit",
        "max_tensor_elements",
    ),
    # many tensors, each within max_tensor_elements, add up past the total
    (
        "total_elements",
        _T + "for i in range(100):\n    x = torch.zeros(5 * 10**6, dtype=torch.bool)",
        "limit",
        "max_total_elements",
    ),
    (
        "list_doubling",
        "L = [0]\nfor i in range(64):\n    L = L + L",
        "limit",
        "max_sequence_length",
    ),
    (
        "list_inplace_doubling",
        "L = [0]\nfor i in range(64):\n    L *= 2",
        "limit",
        "max_sequence_length",
    ),
    (
        "list_extend_self",
        "L = [0]\nfor i in range(64):\n    L.extend(L)",
        "limit",
        "max_sequence_length",
    ),
    (
        "string_doubling",
        "s = 'x'\nfor i in range(64):\n    s = s + s",
        "limit",
        "max_sequence_length",
    ),
    (
        "string_inplace_doubling",
        "s = 'x'\nfor i in range(64):\n    s += s",
        "limit",
        "max_sequence_length",
    ),
    ("power_tower", "x = 2**2**2**2**2**2", "limit", "max_int_bits"),
    ("power_literal", "x = 10**10**10", "limit", "max_int_bits"),
    ("repeated_squaring", "x = 3\nfor i in range(64):\n    x = x * x", "limit", "max_int_bits"),
    ("shift", "x = 1 << 10**9", "limit", "max_int_bits"),
    ("bool_shift", "x = True << 10**9", "limit", "max_int_bits"),
    ("pow_builtin", "x = pow(10, 10**8)", "limit", "max_int_bits"),
    ("sum_of_lists", "L = [[0] * 100000] * 100\nx = sum(L, [])", "limit", "max_sequence_length"),
    # the text of a value shared with itself: L = [L, L] prints 2**n lists
    (
        "dag_str",
        "L = []\nfor i in range(40):\n    L = [L, L]\ns = str(L)",
        "limit",
        "max_sequence_length",
    ),
    (
        "dag_print",
        "L = []\nfor i in range(40):\n    L = [L, L]\nprint(L)",
        "limit",
        "max_sequence_length",
    ),
    (
        "dag_fstring",
        "L = []\nfor i in range(40):\n    L = [L, L]\ns = f'{L}'",
        "limit",
        "max_sequence_length",
    ),
    (
        "shared_tensor_text",
        _T + "x = torch.zeros(1000)\ns = str([x] * 100000)",
        "limit",
        "max_sequence_length",
    ),
]

# ------------------------------------------------------------------------------------------------
# Compute: loops, and little memory made to do much work.
# ------------------------------------------------------------------------------------------------
COMPUTE = [
    ("while_true", "while True:\n    pass", "limit", "max_steps"),
    ("while_counter", "i = 0\nwhile True:\n    i += 1", "limit", "max_steps"),
    ("for_range", "for i in range(10**12):\n    pass", "limit", "max_steps"),
    (
        "nested_loops",
        "for i in range(10**4):\n    for j in range(10**4):\n        pass",
        "limit",
        "max_steps",
    ),
    ("comprehension", "x = [i for i in range(10**9)]", "limit", "max_steps"),
    (
        "nested_comprehension",
        "x = sum([1 for i in range(10**5) for j in range(10**5)])",
        "limit",
        "max_steps",
    ),
    ("sum_range", "x = sum(range(10**12))", "limit", "max_sequence_length"),
    ("sorted_range", "x = sorted(range(10**12))", "limit", "max_sequence_length"),
    ("list_of_range", "x = list(range(10**12))", "limit", "max_sequence_length"),
    # builtins count a step per item they loop over, in C or not
    ("builtin_loops", "for i in range(10**6):\n    x = list(range(900000))", "limit", "max_steps"),
    (
        "sorted_in_loop",
        "L = list(range(900000))\nfor i in range(10**6):\n    x = sorted(L)",
        "limit",
        "max_steps",
    ),
    ("dict_fill", "d = {}\nfor i in range(10**9):\n    d[i] = i", "limit", "max_steps"),
    (
        "expand_then_sum",
        _T + "x = torch.ones(1).expand(10**9).sum()",
        "limit",
        "max_tensor_elements",
    ),
    (
        "matmul_chain",
        _T + "a = torch.ones(10, 10)\nfor i in range(10**9):\n    a = a @ a",
        "limit",
        "max_steps",
    ),
    (
        "backward_in_loop",
        _T + "x = torch.ones(10, requires_grad=True)\nfor i in range(10**9):\n"
        "    (x * 2).sum().backward()",
        "limit",
        "max_steps",
    ),
    ("map_with_builtin", "x = map(abs, range(10**12))", "limit", "max_sequence_length"),
]

# ------------------------------------------------------------------------------------------------
# The parser: deep nesting, huge lines, many lines, giant literals.
# ------------------------------------------------------------------------------------------------
PARSER = [
    ("deep_parens", "x = " + "(" * 100_000 + "1" + ")" * 100_000, "limit", "max_source_bytes"),
    ("deep_parens_small", "x = " + "(" * 900 + "1" + ")" * 900, "limit", "max_ast_depth"),
    ("deep_brackets", "x = " + "[" * 900 + "]" * 900, "limit", "max_ast_depth"),
    ("deep_braces", "x = " + "{1:" * 300 + "1" + "}" * 300, "limit", "max_ast_depth"),
    ("unary_minus_chain", "x = " + "-" * 1_900 + "1", "limit", "max_ast_depth"),
    ("not_chain", "x = " + "not " * 450 + "1", "limit", "max_ast_depth"),
    ("binop_chain", "x = 1" + " + 1" * 450, "limit", "max_ast_depth"),
    ("attribute_chain", "x = a" + ".b" * 900, "limit", "max_ast_depth"),
    ("long_line", "x = " + "1 + " * 300_000 + "1", "limit", "max_source_bytes"),
    ("long_line_under_size", "x = '" + "a" * 50_000 + "'", "limit", "max_line_chars"),
    ("many_lines", "x = 1\n" * 100_000, "limit", "max_source_bytes"),
    ("many_nodes", "x = 1\n" * 12_000, "limit", "max_ast_nodes"),
    (
        "deep_blocks",
        "".join("    " * i + "if 1:\n" for i in range(120)) + "    " * 120 + "pass",
        "syntax",
        "indentation",
    ),
    (
        "deep_blocks_in_calls",
        "def f(x):\n    return x\nx = " + "f(" * 120 + "1" + ")" * 120,
        "limit",
        "max_ast_depth",
    ),
    ("giant_int_literal", "x = " + "9" * 5_000, "limit", "max_line_chars"),
    ("int_literal_squared", "x = " + "9" * 1_900 + "\ny = x * x", "limit", "max_int_bits"),
    ("giant_int_then_grow", "x = " + "9" * 1_200 + "\ny = x ** 10", "limit", "max_int_bits"),
    ("nul_byte", "x = 1\x00", "syntax", "null"),
    ("syntax_error", "x = (1,", "syntax", "never closed"),
]

# ------------------------------------------------------------------------------------------------
# Crashing ops: memory-unsafe kernels and metadata tricks (each of these segfaulted or read
# out of bounds before the guard refused it), and bad sizes torch must refuse itself.
# ------------------------------------------------------------------------------------------------
CRASHES = [
    (
        "as_strided",
        _T + "x = torch.ones(2).as_strided((10**6,), (1,))",
        "not_allowed",
        "as_strided",
    ),
    ("set_storage", _T + "x = torch.ones(2)\nx.set_(torch.ones(10))", "not_allowed", "set_"),
    ("storage", _T + "s = torch.ones(2).storage()", "not_allowed", "storage"),
    (
        "untyped_storage",
        _T + "s = torch.ones(2).untyped_storage()",
        "not_allowed",
        "untyped_storage",
    ),
    ("resize", _T + "x = torch.ones(2)\nx.resize_(10**6)", "not_allowed", "resize_"),
    # LSTM's C++ kernel trusts its weights' shapes: a 1-element weight is read far past its end
    (
        "lstm_weight_data",
        _T + "m = torch.nn.LSTM(1024, 1024)\n"
        "m.weight_ih_l0.data = torch.ones(1)\ny = m(torch.ones(5, 1, 1024))",
        "not_allowed",
        "same shape",
    ),
    (
        "lstm_weight_parameter",
        _T + "m = torch.nn.LSTM(256, 256)\nm.weight_hh_l0 = torch.nn.Parameter(torch.ones(2, 2))",
        "not_allowed",
        "same shape",
    ),
    (
        "lstm_weight_expanded",
        _T + "m = torch.nn.LSTM(256, 256)\n"
        "m.weight_ih_l0 = torch.nn.Parameter(torch.ones(1).expand(1024, 256))",
        "not_allowed",
        "contiguous",
    ),
    (
        "data_other_shape",
        _T + "x = torch.ones(4, requires_grad=True)\nx.data = torch.ones(10**6)",
        "not_allowed",
        "same shape",
    ),
    # fused optimizer kernels index the state by the parameter's size without checking it
    (
        "fused_adam",
        _T + "p = torch.nn.Parameter(torch.ones(10**6))\n"
        "opt = torch.optim.Adam([p], lr=0.1, fused=True)",
        "not_allowed",
        "fused",
    ),
    (
        "fused_via_param_group",
        _T + "p = torch.nn.Parameter(torch.ones(10**6))\n"
        "opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)\np.grad = torch.ones(10**6)\nopt.step()\n"
        "opt.param_groups[0]['fused'] = True\nopt.state[p]['momentum_buffer'] = torch.zeros(1)\n"
        "step = opt.step\nstep()",
        "not_allowed",
        "fused",
    ),
    # hashing a tuple nested 200,000 deep recursed in C past the 8 MB stack (SIGSEGV); now it
    # runs on a large stack and simply finishes, so the program ends with our own error
    (
        "deep_tuple_hash",
        "t = ()\nfor i in range(200000):\n    t = (t,)\nh = hash(t)\nx = [0] * 10**10",
        "limit",
        "max_sequence_length",
    ),
    (
        "deep_tuple_dict_key",
        "t = ()\nfor i in range(200000):\n    t = (t,)\nd = {t: 1}\nx = [0] * 10**10",
        "limit",
        "max_sequence_length",
    ),
    (
        "deep_list_tensor",
        _T + "L = []\nfor i in range(100000):\n    L = [L]\nx = torch.tensor(L)",
        "runtime",
        "dimensions",
    ),
    (
        "deep_list_compare",
        "L = []\nM = []\nfor i in range(100000):\n    L = [L]\n    M = [M]\nx = L == M",
        "limit",
        "max_call_depth",
    ),
    ("negative_size", _T + "x = torch.empty(-1)", "runtime", "negative dimension"),
    ("negative_repeat", _T + "x = torch.ones(3).repeat(-1)", "runtime", "negative dimension"),
    ("bad_view", _T + "x = torch.zeros(3).view(-1, 0)", "runtime", "invalid"),
    (
        "scatter_out_of_bounds",
        _T + "x = torch.ones(3)\nx.scatter_(0, torch.tensor([100]), 1.0)",
        "runtime",
        "out of bounds",
    ),
    (
        "index_out_of_range",
        _T + "x = torch.ones(3).index_select(0, torch.tensor([10**9]))",
        "runtime",
        "index out of range",
    ),
    (
        "expanded_inplace",
        _T + "x = torch.ones(3).expand(3, 3)\nx.add_(1)",
        "runtime",
        "single memory location",
    ),
    (
        "overlapping_copy",
        _T + "x = torch.ones(3, 3).t()\nx.copy_(x.t())",
        "runtime",
        "single memory location",
    ),
    (
        "cat_into_numpy_memory",
        _T + "import numpy as np\nt = torch.from_numpy(np.ones(4))\ntorch.cat([t, t], out=t)",
        "runtime",
        "not resizable",
    ),
    (
        "conv_zero_stride",
        _T + "y = torch.nn.functional.conv1d(torch.ones(1, 1, 5), torch.ones(1, 1, 3), stride=0)",
        "runtime",
        "stride",
    ),
    ("topk_huge_k", _T + "y = torch.topk(torch.ones(3), 10**9)", "runtime", "out of range"),
    (
        "object_array_power",
        _N + "a = np.array([10, None])\nb = a[:1] ** (10**8)",
        "not_allowed",
        "dtype object",
    ),
    ("object_array_astype", _N + "a = np.ones(1).astype('O')", "not_allowed", "dtype object"),
    ("text_array", _N + "a = np.array(['x' * 1000] * 1000)", "not_allowed", "dtype"),
]

# ------------------------------------------------------------------------------------------------
# NaN, Inf and devices: values that poison later steps, and CUDA on a machine without one.
# ------------------------------------------------------------------------------------------------
VALUES_AND_DEVICES = [
    ("inf_arange", _T + "x = torch.arange(0, float('inf'))", "runtime", "unsupported range"),
    ("nan_arange", _T + "x = torch.arange(0, float('nan'))", "runtime", "unsupported range"),
    (
        "nan_multinomial",
        _T + "x = torch.multinomial(torch.tensor([float('nan'), 1.0]), 2)",
        "runtime",
        "probability",
    ),
    (
        "nan_cholesky",
        _T + "x = torch.linalg.cholesky(torch.tensor([[float('nan')]]))",
        "runtime",
        "cholesky",
    ),
    ("inf_svd", _T + "x = torch.linalg.svd(torch.full((3, 3), float('inf')))", "runtime", "svd"),
    ("inf_range", "x = range(int(float('inf')))", "runtime", "OverflowError"),
    ("nan_int", "x = int(float('nan'))", "runtime", "ValueError"),
    ("cuda_method", _T + "x = torch.ones(3).cuda()", "runtime", "CUDA"),
    ("cuda_device_kwarg", _T + "x = torch.zeros(3, device='cuda')", "runtime", "CUDA"),
    ("cuda_other_index", _T + "x = torch.zeros(3, device='cuda:7')", "runtime", "CUDA"),
    ("module_to_cuda", _T + "m = torch.nn.Linear(2, 2).to('cuda')", "runtime", "CUDA"),
]

# ------------------------------------------------------------------------------------------------
# Global state: what would change the next person's run.
# ------------------------------------------------------------------------------------------------
GLOBAL_STATE = [
    ("assign_torch_function", _T + "torch.add = print", "not_allowed", "assigning"),
    ("assign_functional", _T + "torch.nn.functional.relu = print", "not_allowed", "assigning"),
    ("assign_math_constant", "import math\nmath.pi = 3", "not_allowed", "assigning"),
    ("assign_tensor_method", _T + "x = torch.ones(1)\nx.add = print", "not_allowed", "assigning"),
    (
        "assign_pyplot",
        "import matplotlib.pyplot as plt\nplt.plot = print",
        "not_allowed",
        "assigning",
    ),
    ("assign_class_attribute", _T + "torch.nn.Linear.forward = print", "not_allowed", "assigning"),
    (
        "printoptions_threshold",
        _T + "torch.set_printoptions(threshold=10**9)",
        "limit",
        "printoptions.threshold",
    ),
    (
        "printoptions_positional",
        _T + "torch.set_printoptions(4, 10**9)",
        "limit",
        "printoptions.threshold",
    ),
    (
        "printoptions_full_profile",
        _T + "torch.set_printoptions(profile='full')",
        "not_allowed",
        "profile",
    ),
    (
        "set_default_device",
        _T + "torch.set_default_device('cuda')",
        "not_allowed",
        "torch.set_default_device",
    ),
    (
        "detect_anomaly_swallowed_by_exit",
        _T + "class C:\n    def __enter__(self):\n        return self\n"
        "    def __exit__(self, *a):\n        return True\nwith C():\n    x = torch.zeros(10**9)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "deterministic",
        _T + "torch.use_deterministic_algorithms(True)",
        "not_allowed",
        "torch.use_deterministic_algorithms",
    ),
    ("np_seterr", _N + "np.seterr(all='raise')", "not_allowed", "numpy.seterr"),
    (
        "np_printoptions",
        _N + "np.set_printoptions(threshold=10**9)",
        "not_allowed",
        "numpy.set_printoptions",
    ),
]

# ------------------------------------------------------------------------------------------------
# Recursion, deep nesting, output.
# ------------------------------------------------------------------------------------------------
RECURSION_AND_OUTPUT = [
    ("recursion_bomb", "def f(n):\n    return f(n + 1)\nf(0)", "limit", "max_call_depth"),
    (
        "mutual_recursion",
        "def f(n):\n    return g(n)\ndef g(n):\n    return f(n)\nf(0)",
        "limit",
        "max_call_depth",
    ),
    (
        "method_recursion",
        _T + "class M(torch.nn.Module):\n    def forward(self, x):\n        return self(x)\nM()(1)",
        "limit",
        "max_call_depth",
    ),
    (
        "deep_list_repr",
        "L = []\nfor i in range(100000):\n    L = [L]\ns = repr(L)",
        "limit",
        "max_call_depth",
    ),
    (
        "deep_module_repr",
        _T + "m = torch.nn.Sequential()\nfor i in range(5000):\n"
        "    m = torch.nn.Sequential(m)\ns = str(m)",
        "limit",
        "max_call_depth",
    ),
    ("print_loop", "while True:\n    print('x' * 1000)", "limit", "max_output_chars"),
    ("print_huge_string", "print('x' * 10**6)", "limit", "max_output_chars"),
    ("print_splat", "a = 'x' * 10**6\nprint(*[a] * 1000)", "limit", "max_output_chars"),
    ("print_end", "print(1, end='x' * 10**6)", "limit", "max_output_chars"),
    (
        "plot_points",
        "import matplotlib.pyplot as plt\nfor i in range(1000):\n    plt.plot(list(range(1000)))",
        "limit",
        "max_plot_points",
    ),
]


# ------------------------------------------------------------------------------------------------
# The surface by principle (app/lang/policy.py): every name the enumeration opens is a new door.
# Each refused family member is refused by name, with its reason, at its line and column.
# ------------------------------------------------------------------------------------------------
_FILES = "it reads or writes files"
_PROCS = "it starts or steers processes or threads"
_NET = "it reaches the network"
_COMPILE = "it compiles or captures code outside the interpreter"
_RAW = "it reaches raw memory past PyTorch's shape checks"
_SHAPES = "it can give a PyTorch layer parameters of another shape"
_SPARSE = "sparse kernels trust a sparse tensor's index tensors"
_STATE = "it changes process-wide state that would leak into the next program"
_UNINIT = "it returns uninitialised memory"
_MACHINERY = "it is part of PyTorch's machinery, not a computation on tensors"


def _gone(name: str, reason: str) -> str:
    return f"'{name}' is not available in gradtrace: {reason}"


def _attr(name: str, owner: str, reason: str) -> str:
    return f"attribute '{name}' of a {owner} object is not allowed: {reason}"


_X = _T + "x = torch.ones(4)\n"
_LIN = _T + "m = torch.nn.Linear(2, 2)\n"
SURFACE = [
    # files
    ("save_reason", _T + f"torch.save(1, '{_F}.pt')", "not_allowed", _gone("torch.save", _FILES)),
    (
        "load_reason",
        _T + "x = torch.load('/etc/passwd')",
        "not_allowed",
        _gone("torch.load", _FILES),
    ),
    (
        "from_file_reason",
        _T + "x = torch.from_file('/etc/passwd', size=4)",
        "not_allowed",
        _gone("torch.from_file", _FILES),
    ),
    (
        "tensor_share_memory",
        _X + "x.share_memory_()",
        "not_allowed",
        _attr("share_memory_", "Tensor", _FILES),
    ),
    (
        "module_share_memory",
        _LIN + "m.share_memory()",
        "not_allowed",
        _attr("share_memory", "Linear", _FILES),
    ),
    (
        "file_writer",
        _T + f"w = torch.PyTorchFileWriter('{_F}.zip')",
        "not_allowed",
        _gone("torch.PyTorchFileWriter", _FILES),
    ),
    (
        "autograd_profiler",
        _T + "p = torch.autograd.profiler.profile()",
        "not_allowed",
        _gone("torch.autograd.profiler", _FILES),
    ),
    (
        "import_profiler",
        "import torch.profiler",
        "not_allowed",
        f"'torch.profiler' is not allowed: {_FILES}",
    ),
    # processes and threads
    (
        "set_num_threads_reason",
        _T + "torch.set_num_threads(64)",
        "not_allowed",
        _gone("torch.set_num_threads", _PROCS),
    ),
    (
        "data_parallel",
        _T + "m = torch.nn.DataParallel(torch.nn.Linear(1, 1))",
        "not_allowed",
        _gone("torch.nn.DataParallel", _PROCS),
    ),
    (
        "sync_batch_norm",
        _T + "m = torch.nn.SyncBatchNorm(3)",
        "not_allowed",
        _gone("torch.nn.SyncBatchNorm", _PROCS),
    ),
    (
        "nn_parallel",
        _T + "p = torch.nn.parallel",
        "not_allowed",
        _gone("torch.nn.parallel", _PROCS),
    ),
    ("torch_fork", _T + "f = torch.fork(print, 1)", "not_allowed", _gone("torch.fork", _PROCS)),
    (
        "distributed_reason",
        _T + "d = torch.distributed",
        "not_allowed",
        _gone("torch.distributed", _PROCS),
    ),
    # network
    ("hub_reason", _T + "m = torch.hub.load('a/b', 'c')", "not_allowed", _gone("torch.hub", _NET)),
    ("import_hub_reason", "import torch.hub", "not_allowed", f"'torch.hub' is not allowed: {_NET}"),
    (
        "from_hub_import",
        "from torch.hub import load_state_dict_from_url",
        "not_allowed",
        f"'torch.hub' is not allowed: {_NET}",
    ),
    (
        "model_zoo",
        _T + "z = torch.utils.model_zoo",
        "not_allowed",
        _gone("torch.utils.model_zoo", _NET),
    ),
    # compilation and graph capture
    (
        "compile_reason",
        _T + "f = torch.compile(print)",
        "not_allowed",
        _gone("torch.compile", _COMPILE),
    ),
    (
        "jit_script_reason",
        _T + "f = torch.jit.script(torch.nn.Linear(1, 1))",
        "not_allowed",
        _gone("torch.jit", _COMPILE),
    ),
    ("export_reason", _T + "e = torch.export", "not_allowed", _gone("torch.export", _COMPILE)),
    ("fx_reason", _T + "g = torch.fx.symbolic_trace", "not_allowed", _gone("torch.fx", _COMPILE)),
    ("ops_reason", _T + "a = torch.ops.aten", "not_allowed", _gone("torch.ops", _COMPILE)),
    ("library_reason", _T + "lib = torch.library", "not_allowed", _gone("torch.library", _COMPILE)),
    ("classes_reason", _T + "c = torch.classes", "not_allowed", _gone("torch.classes", _COMPILE)),
    (
        "torch_cond",
        _T + "y = torch.cond(True, print, print, (1,))",
        "not_allowed",
        _gone("torch.cond", _COMPILE),
    ),
    ("while_loop", _T + "y = torch.while_loop", "not_allowed", _gone("torch.while_loop", _COMPILE)),
    ("module_compile", _LIN + "m.compile()", "not_allowed", _attr("compile", "Linear", _COMPILE)),
    (
        "func_linearize",
        _T + "f = torch.func.linearize",
        "not_allowed",
        _gone("torch.func.linearize", _COMPILE),
    ),
    ("sym_int", _T + "n = torch.sym_int(3)", "not_allowed", _gone("torch.sym_int", _COMPILE)),
    (
        "parse_ir",
        _T + "g = torch.parse_ir('graph()')",
        "not_allowed",
        _gone("torch.parse_ir", _COMPILE),
    ),
    # raw memory
    (
        "as_strided_reason",
        _X + "y = x.as_strided((10**6,), (1,))",
        "not_allowed",
        _attr("as_strided", "Tensor", _RAW),
    ),
    (
        "as_strided_inplace",
        _X + "x.as_strided_((10**6,), (1,))",
        "not_allowed",
        _attr("as_strided_", "Tensor", _RAW),
    ),
    (
        "torch_as_strided",
        _X + "y = torch.as_strided(x, (10**6,), (1,))",
        "not_allowed",
        _gone("torch.as_strided", _RAW),
    ),
    ("set_reason", _X + "x.set_(torch.ones(10))", "not_allowed", _attr("set_", "Tensor", _RAW)),
    (
        "untyped_storage_reason",
        _X + "s = x.untyped_storage()",
        "not_allowed",
        _attr("untyped_storage", "Tensor", _RAW),
    ),
    ("storage_reason", _X + "s = x.storage()", "not_allowed", _attr("storage", "Tensor", _RAW)),
    ("resize_reason", _X + "x.resize_(10**6)", "not_allowed", _attr("resize_", "Tensor", _RAW)),
    (
        "resize_as",
        _X + "x.resize_as_(torch.ones(10**6))",
        "not_allowed",
        _attr("resize_as_", "Tensor", _RAW),
    ),
    ("pin_memory", _X + "y = x.pin_memory()", "not_allowed", _attr("pin_memory", "Tensor", _RAW)),
    (
        "new_empty_strided",
        _X + "y = x.new_empty_strided((4,), (1,))",
        "not_allowed",
        _attr("new_empty_strided", "Tensor", _RAW),
    ),
    (
        "frombuffer",
        _T + "x = torch.frombuffer([1, 2], dtype=torch.uint8)",
        "not_allowed",
        _gone("torch.frombuffer", _RAW),
    ),
    (
        "from_dlpack_reason",
        _X + "y = torch.from_dlpack(x)",
        "not_allowed",
        _gone("torch.from_dlpack", _RAW),
    ),
    (
        "sparse_coo_bad_indices",
        _T + "s = torch.sparse_coo_tensor(torch.tensor([[10**9]]), torch.ones(1), (2,))\n"
        "y = s.to_dense()",
        "not_allowed",
        _gone("torch.sparse_coo_tensor", _RAW),
    ),
    (
        "sparse_csr",
        _T + "s = torch.sparse_csr_tensor([0, 9], [99], [1.0], (1, 1))",
        "not_allowed",
        _gone("torch.sparse_csr_tensor", _RAW),
    ),
    (
        "untyped_storage_class",
        _T + "s = torch.UntypedStorage(10)",
        "not_allowed",
        _gone("torch.UntypedStorage", _RAW),
    ),
    (
        "float_storage_class",
        _T + "s = torch.FloatStorage(10)",
        "not_allowed",
        _gone("torch.FloatStorage", _RAW),
    ),
    (
        "fbgemm_kernel",
        _T + "y = torch.fbgemm_linear_fp16_weight(torch.ones(2, 2), torch.ones(1), torch.ones(2))",
        "not_allowed",
        _gone("torch.fbgemm_linear_fp16_weight", _RAW),
    ),
    (
        "lstm_kernel",
        _T + "y = torch.lstm(torch.ones(5, 1, 4), (torch.ones(1, 1, 4),) * 2, [torch.ones(1)] * 4, "
        "True, 1, 0.0, False, False, False)",
        "not_allowed",
        _gone("torch.lstm", _RAW),
    ),
    (
        "packed_sequence_forged",
        _T + "from torch.nn.utils.rnn import PackedSequence\n"
        "p = PackedSequence(torch.ones(2, 4), torch.tensor([10**6]))",
        "not_allowed",
        f"'PackedSequence' from 'torch.nn.utils.rnn' is not available in gradtrace: {_RAW}",
    ),
    (
        "register_parameter_lstm",
        _T + "m = torch.nn.LSTM(256, 256)\n"
        "m.register_parameter('weight_ih_l0', torch.nn.Parameter(torch.ones(1)))\nm.float()",
        "not_allowed",
        _attr("register_parameter", "LSTM", _SHAPES),
    ),
    (
        "register_buffer_batchnorm",
        _T + "m = torch.nn.BatchNorm1d(256)\nm.register_buffer('running_mean', torch.ones(1))",
        "not_allowed",
        _attr("register_buffer", "BatchNorm1d", _SHAPES),
    ),
    (
        "functional_call",
        _T + "m = torch.nn.LSTM(256, 256)\n"
        "y = torch.func.functional_call(m, {'weight_ih_l0': torch.ones(1)}, "
        "(torch.ones(5, 1, 256),))",
        "not_allowed",
        "must have the shape, dtype and device of the module's own",
    ),
    (
        "register_parametrization",
        _T + "p = torch.nn.utils.parametrize.register_parametrization",
        "not_allowed",
        _gone("torch.nn.utils.parametrize", _SHAPES),
    ),
    ("to_sparse", _X + "s = x.to_sparse()", "not_allowed", _attr("to_sparse", "Tensor", _SPARSE)),
    (
        "to_sparse_csr",
        _T + "s = torch.ones(3, 3).to_sparse_csr()",
        "not_allowed",
        _attr("to_sparse_csr", "Tensor", _SPARSE),
    ),
    (
        "sparse_layout",
        _T + "s = torch.zeros(3, 3, layout=torch.sparse_csr)",
        "not_allowed",
        _gone("torch.sparse_csr", _SPARSE),
    ),
    # a sparse gradient is torch's own, but its index tensor is an alias the program could edit
    (
        "sparse_grad_indices",
        _T
        + "m = torch.nn.Embedding(10, 3, sparse=True)\nm(torch.tensor([1, 2])).sum().backward()\n"
        "i = m.weight.grad.coalesce().indices()\ni.add_(10**6)",
        "not_allowed",
        _attr("indices", "Tensor", _SPARSE),
    ),
    (
        "lazy_initialize_parameters",
        _T + "m = torch.nn.LazyLinear(3)\nm.initialize_parameters(torch.ones(1, 10**6))",
        "not_allowed",
        _attr("initialize_parameters", "LazyLinear", _MACHINERY),
    ),
    ("to_mkldnn", _X + "y = x.to_mkldnn()", "not_allowed", _attr("to_mkldnn", "Tensor", _SPARSE)),
    (
        "parametrizations_import",
        "from torch.nn.utils.parametrizations import weight_norm",
        "not_allowed",
        f"'torch.nn.utils.parametrizations' is not allowed: {_SHAPES}",
    ),
    (
        "parametrizations_attribute",
        _T + "f = torch.nn.utils.parametrizations.orthogonal",
        "not_allowed",
        _gone("torch.nn.utils.parametrizations", _SHAPES),
    ),
    (
        "stateless",
        _T + "f = torch.nn.utils.stateless.functional_call",
        "not_allowed",
        _gone("torch.nn.utils.stateless", _SHAPES),
    ),
    # process-wide state
    (
        "set_default_tensor_type",
        _T + "torch.set_default_tensor_type(torch.DoubleTensor)",
        "not_allowed",
        _gone("torch.set_default_tensor_type", _STATE),
    ),
    (
        "deterministic_reason",
        _T + "torch.use_deterministic_algorithms(True)",
        "not_allowed",
        _gone("torch.use_deterministic_algorithms", _STATE),
    ),
    (
        "flush_denormal",
        _T + "torch.set_flush_denormal(True)",
        "not_allowed",
        _gone("torch.set_flush_denormal", _STATE),
    ),
    (
        "warn_always",
        _T + "torch.set_warn_always(True)",
        "not_allowed",
        _gone("torch.set_warn_always", _STATE),
    ),
    (
        "default_device_reason",
        _T + "torch.set_default_device('meta')",
        "not_allowed",
        _gone("torch.set_default_device", _STATE),
    ),
    (
        "matmul_precision",
        _T + "torch.set_float32_matmul_precision('medium')",
        "not_allowed",
        _gone("torch.set_float32_matmul_precision", _STATE),
    ),
    (
        "set_rng_state",
        _T + "torch.set_rng_state(torch.zeros(5056, dtype=torch.uint8))",
        "not_allowed",
        _gone("torch.set_rng_state", _STATE),
    ),
    ("backends_reason", _T + "b = torch.backends", "not_allowed", _gone("torch.backends", _STATE)),
    ("autocast", _T + "a = torch.autocast('cpu')", "not_allowed", _gone("torch.autocast", _STATE)),
    (
        "register_kl",
        _T + "r = torch.distributions.register_kl",
        "not_allowed",
        _gone("torch.distributions.register_kl", _STATE),
    ),
    (
        "validate_args_default",
        _T + "d = torch.distributions.Normal(0.0, 1.0)\nd.set_default_validate_args(False)",
        "not_allowed",
        _attr("set_default_validate_args", "Normal", _STATE),
    ),
    # uninitialised memory
    (
        "empty_strided",
        _T + "x = torch.empty_strided((4,), (1,))",
        "not_allowed",
        _gone("torch.empty_strided", _UNINIT),
    ),
    (
        "empty_permuted",
        _T + "x = torch.empty_permuted((4, 4), (1, 0))",
        "not_allowed",
        _gone("torch.empty_permuted", _UNINIT),
    ),
    ("tensor_new", _X + "y = x.new(1000, 1000)", "not_allowed", _attr("new", "Tensor", _UNINIT)),
    (
        "skip_init",
        _T + "m = torch.nn.utils.skip_init(torch.nn.Linear, 1000, 1000)",
        "not_allowed",
        _gone("torch.nn.utils.skip_init", _UNINIT),
    ),
    (
        "to_empty",
        _LIN + "m.to_empty(device='cpu')",
        "not_allowed",
        _attr("to_empty", "Linear", _UNINIT),
    ),
    (
        "uninitialized_parameter",
        _T + "p = torch.nn.UninitializedParameter()",
        "not_allowed",
        _gone("torch.nn.UninitializedParameter", _UNINIT),
    ),
    # what the enumeration leaves out: torch's machinery
    ("jit_graph_class", _T + "g = torch.Graph()", "not_allowed", _gone("torch.Graph", _MACHINERY)),
    (
        "handle_torch_function",
        _T + "f = torch.nn.functional.handle_torch_function",
        "not_allowed",
        _gone("torch.nn.functional.handle_torch_function", _MACHINERY),
    ),
    (
        "boolean_dispatch",
        _T + "f = torch.nn.functional.boolean_dispatch",
        "not_allowed",
        _gone("torch.nn.functional.boolean_dispatch", _MACHINERY),
    ),
    (
        "functional_torch",
        _T + "t = torch.nn.functional.torch.os",
        "not_allowed",
        _gone("torch.nn.functional.torch", _MACHINERY),
    ),
    (
        "init_math",
        _T + "m = torch.nn.init.math",
        "not_allowed",
        _gone("torch.nn.init.math", _MACHINERY),
    ),
]

# Creators the wider surface opens, refused before they allocate.
SURFACE_ALLOCATIONS = [
    (
        "expand_copy",
        _T + "x = torch.expand_copy(torch.ones(1), (10**6, 10**6))",
        "limit",
        "max_tensor_elements",
    ),
    ("pdist_rows", _T + "x = torch.pdist(torch.ones(10**5, 1))", "limit", "max_tensor_elements"),
    (
        "histogramdd_bins",
        _T + "x = torch.histogramdd(torch.ones(3, 3), bins=10**4)",
        "limit",
        "max_tensor_elements",
    ),
    ("rnn_base", _T + "m = torch.nn.RNNBase('LSTM', 10**5, 10**5)", "limit", "max_tensor_elements"),
    (
        "rnn_cell_chunks",
        _T + "m = torch.nn.RNNCellBase(10, 10, True, 10**9)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "hessian_square",
        _T + "from torch.autograd.functional import hessian\n"
        "h = hessian(torch.sum, torch.ones(10**5))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "lazy_conv",
        _T + "m = torch.nn.LazyConv2d(10**4, 100)\ny = m(torch.ones(1, 10**4, 3, 3))",
        "limit",
        "max_tensor_elements",
    ),
    ("torch_range", _T + "x = torch.range(0, 10**12)", "limit", "max_tensor_elements"),
    ("hann_window", _T + "x = torch.hann_window(10**12)", "limit", "max_tensor_elements"),
    ("tril_indices", _T + "x = torch.tril_indices(10**6, 10**6)", "limit", "max_tensor_elements"),
    ("vander", _T + "x = torch.vander(torch.ones(10**5), N=10**5)", "limit", "max_tensor_elements"),
    (
        "combinations",
        _T + "x = torch.combinations(torch.ones(10**4), r=3)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "bincount_max",
        _T + "x = torch.bincount(torch.tensor([10**11]))",
        "limit",
        "max_tensor_elements",
    ),
    ("histc_bins", _T + "x = torch.ones(3).histc(bins=10**11)", "limit", "max_tensor_elements"),
    (
        "nonzero_static",
        _T + "x = torch.nonzero_static(torch.ones(3), size=10**11)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "broadcast_to",
        _T + "x = torch.broadcast_to(torch.ones(1), (10**6, 10**6))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "interpolate_scale",
        _T + "y = torch.nn.functional.interpolate(torch.ones(1, 1, 100, 100), scale_factor=1000)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "conv_transpose_stride",
        _T
        + "m = torch.nn.ConvTranspose2d(1, 1, 3, stride=1000)\ny = m(torch.ones(1, 1, 100, 100))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "sdpa_long",
        _T + "q = torch.ones(1, 10**5, 8)\n"
        "y = torch.nn.functional.scaled_dot_product_attention(q, q, q)",
        "limit",
        "max_tensor_elements",
    ),
    ("lstm_cell_layer", _T + "m = torch.nn.LSTMCell(10**5, 10**5)", "limit", "max_tensor_elements"),
    ("conv3d_layer", _T + "m = torch.nn.Conv3d(100, 100, 100)", "limit", "max_tensor_elements"),
    (
        "upsample_layer",
        _T + "m = torch.nn.Upsample(scale_factor=1000)\ny = m(torch.ones(1, 1, 100, 100))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "lazy_linear",
        _T + "m = torch.nn.LazyLinear(10**6)\ny = m(torch.ones(1, 10**6))",
        "limit",
        "max_tensor_elements",
    ),
    (
        "affine_grid",
        _T + "g = torch.nn.functional.affine_grid(torch.ones(1, 2, 3), [1, 1, 10**6, 10**6])",
        "limit",
        "max_tensor_elements",
    ),
    (
        "fold_output",
        _T + "y = torch.nn.functional.fold(torch.ones(1, 1, 1), (10**6, 10**6), 1)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "pad_packed_total_length",
        _T + "from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence\n"
        "p = pack_sequence([torch.ones(3, 2)])\ny = pad_packed_sequence(p, total_length=10**11)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "transformer_layer",
        _T + "m = torch.nn.Transformer(d_model=10**5)",
        "limit",
        "max_tensor_elements",
    ),
]


# ------------------------------------------------------------------------------------------------
# The language's newer doors: lambdas and closures, exceptions, classes with special methods,
# private names, decorators, custom autograd Functions (their ctx), generators, str.format.
# Each reaches only what the program itself made.
# ------------------------------------------------------------------------------------------------
_FN = """import torch
class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.k = 2
        %s
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
y = Double.apply(torch.ones(1, requires_grad=True))
"""
LANGUAGE_DOORS = [
    (
        "closure_cells",
        "def f():\n    x = 1\n    return lambda: x\nc = f().__closure__",
        "not_allowed",
        "__closure__",
    ),
    ("lambda_defaults", "f = lambda a=1: a\nd = f.__defaults__", "not_allowed", "__defaults__"),
    ("user_function_node", "def f():\n    pass\nn = f.node", "not_allowed", "node"),
    ("user_function_interp", "def f():\n    pass\ni = f.interp", "not_allowed", "interp"),
    (
        "exception_traceback",
        "try:\n    1 / 0\nexcept Exception as e:\n    t = e.__traceback__",
        "not_allowed",
        "__traceback__",
    ),
    (
        "exception_with_traceback",
        "try:\n    1 / 0\nexcept Exception as e:\n    t = e.with_traceback",
        "not_allowed",
        "with_traceback",
    ),
    (
        "exception_error_link",
        "try:\n    1 / 0\nexcept Exception as e:\n    t = e.__gradtrace_error__",
        "not_allowed",
        "__gradtrace_error__",
    ),
    ("raise_a_non_exception", "raise 5", "runtime", "exceptions must derive from BaseException"),
    ("except_a_non_class", "try:\n    1 / 0\nexcept 5:\n    pass", "runtime", "BaseException"),
    (
        "catch_limit_errors",
        "try:\n    while True:\n        pass\nexcept BaseException:\n    pass",
        "limit",
        "max_steps",
    ),
    ("catch_refusals", "try:\n    import os\nexcept Exception:\n    pass", "not_allowed", "os"),
    (
        "catch_runtime_refusal",
        "import torch\ntry:\n    torch.ones(1).storage()\nexcept Exception:\n    pass",
        "not_allowed",
        "storage",
    ),
    (
        "exit_swallows_limit",
        "class C:\n    def __enter__(self):\n        return self\n"
        "    def __exit__(self, *a):\n        return True\nwith C():\n    x = 'a' * 10**9",
        "limit",
        "max_sequence_length",
    ),
    (
        "torch_function_override",
        "class T:\n    def __torch_function__(self, *a):\n        pass",
        "not_allowed",
        "__torch_function__",
    ),
    ("del_method", "class T:\n    def __del__(self):\n        pass", "not_allowed", "__del__"),
    (
        "getattr_method",
        "class T:\n    def __getattribute__(self, n):\n        pass",
        "not_allowed",
        "__getattribute__",
    ),
    (
        "index_method",
        "class T:\n    def __index__(self):\n        return 10**12",
        "not_allowed",
        "__index__",
    ),
    ("class_slots", "class T:\n    __slots__ = ()", "not_allowed", "__slots__"),
    ("class_metaclass", "class T(metaclass=type):\n    pass", "not_allowed", "metaclass"),
    (
        "class_base_namespace",
        "import torch\nclass T(type(torch)):\n    pass",
        "not_allowed",
        "derive from",
    ),
    (
        "class_base_tensor",
        "import torch\nclass T(torch.nn.Linear):\n    pass",
        "not_allowed",
        "derive from",
    ),
    (
        "module_internals_read",
        "import torch\nclass M(torch.nn.Module):\n    pass\np = M()._forward_hooks",
        "not_allowed",
        "_forward_hooks",
    ),
    (
        "module_internals_write",
        "import torch\nclass M(torch.nn.Module):\n    pass\nm = M()\nm._modules = {}",
        "not_allowed",
        "_modules",
    ),
    (
        "torch_private_attribute",
        "import torch\nv = torch.ones(1)._cdata",
        "not_allowed",
        "_cdata",
    ),
    (
        "torch_layer_private",
        "import torch\nw = torch.nn.LSTM(1, 1)._flat_weights",
        "not_allowed",
        "_flat_weights",
    ),
    (
        "super_getattribute",
        "class A:\n    def f(self):\n        return super().__getattribute__('x')",
        "not_allowed",
        "__getattribute__",
    ),
    (
        "property_of_torch",
        "import torch\nclass A:\n    x = property(torch.empty_like)",
        "not_allowed",
        "property",
    ),
    (
        "staticmethod_of_builtin",
        "class A:\n    f = staticmethod(print)",
        "not_allowed",
        "staticmethod",
    ),
    (
        "decorator_not_callable",
        "import torch\n@torch.ones(1)\ndef f():\n    pass",
        "not_allowed",
        "calling",
    ),
    ("ctx_private", _FN % "f = ctx._forward_cls", "not_allowed", "_forward_cls"),
    ("ctx_write_own_names", _FN % "ctx.to_save = (x,)", "not_allowed", "to_save"),
    ("ctx_hooks", _FN % "ctx.register_hook(print)", "not_allowed", "register_hook"),
    ("ctx_apply", _FN % "ctx.apply(x)", "not_allowed", "apply"),
    (
        "generator_caller",
        "def g():\n    yield 1\nx = g()\nnext(x)\nc = x.caller",
        "not_allowed",
        "caller",
    ),
    ("generator_function", "def g():\n    yield 1\nf = g().function", "not_allowed", "function"),
    ("generator_throw", "def g():\n    yield 1\nf = g().throw", "not_allowed", "throw"),
    ("format_walk_keyword", "s = '{x.real}'.format(x=1)", "not_allowed", "format field"),
    ("format_nested_walk", "s = '{:{w.real}}'.format(1, w=5)", "not_allowed", "format field"),
    ("format_nested_width", "s = '{:{w}}'.format(1, w=10**8)", "limit", "max_format_width"),
    ("format_map", "s = '{a}'.format_map({'a': 1})", "not_allowed", "format_map"),
    ("format_repeat", "s = ('{0}' * 1000).format('x' * 10000)", "limit", "max_sequence_length"),
    ("bound_format_template", "f = 'x'.format\nt = f.template", "not_allowed", "template"),
    ("getattr_dunder_string", "x = getattr(print, '__self__')", "not_allowed", "__self__"),
    ("nonlocal_builtins", "def f():\n    nonlocal print", "syntax", "nonlocal"),
    ("walrus_dunder", "x = (__builtins__ := 1)", "not_allowed", "__builtins__"),
    (
        "re_sub_blowup",
        "import re\ns = re.sub('', 'x' * 10000, 'a' * 100000)",
        "limit",
        "max_sequence_length",
    ),
    ("re_pattern_too_long", "import re\np = re.compile('a' * 20000)", "limit", "max_pattern_chars"),
    (
        "re_callback_node",
        "import re, torch\ng = (torch.ones(1, requires_grad=True) * 2).grad_fn\n"
        "s = re.sub('a', g, 'abc')",
        "not_allowed",
        "as a function",
    ),
    ("re_match_internals", "import re\nm = re.match('a', 'a')\nr = m.re", "not_allowed", "'re'"),
    ("re_pattern_scanner", "import re\ns = re.compile('a').scanner", "not_allowed", "scanner"),
    (
        "dataclass_of_torch",
        "import torch\nfrom dataclasses import dataclass\nL = dataclass(torch.nn.Linear)",
        "not_allowed",
        "dataclass",
    ),
    (
        "dataclass_factory_node",
        "import torch\nfrom dataclasses import field\n"
        "f = field(default_factory=(torch.ones(1, requires_grad=True) * 2).grad_fn)",
        "not_allowed",
        "calling",
    ),
    (
        "dataclass_fields_table",
        "from dataclasses import dataclass\n@dataclass\nclass A:\n    x: int = 1\n"
        "t = A.__gradtrace_dataclass__",
        "not_allowed",
        "__gradtrace_dataclass__",
    ),
    (
        "dataclass_field_default",
        "from dataclasses import field\nf = field(default=1)\ng = f.interp",
        "not_allowed",
        "interp",
    ),
    ("time_sleep_long", "import time\ntime.sleep(3600)", "limit", "max_sleep_s"),
    (
        "functional_call_small_weight",
        "import torch\nm = torch.nn.LSTM(4, 4)\n"
        "y = torch.func.functional_call(m, {'weight_ih_l0': torch.ones(1)},\n"
        "    (torch.ones(2, 1, 4),))",
        "not_allowed",
        "shape, dtype and device",
    ),
    (
        "functional_call_unknown_name",
        "import torch\nm = torch.nn.Linear(2, 2)\n"
        "y = torch.func.functional_call(m, {'extra': torch.ones(1)}, (torch.ones(2),))",
        "not_allowed",
        "no parameter or buffer",
    ),
    (
        "saved_tensors_unpack_other_shape",
        "import torch\nx = torch.ones(3, requires_grad=True)\n"
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: torch.ones(1)):\n"
        "    y = (x * x).sum()\ny.backward()",
        "not_allowed",
        "unpack must give back",
    ),
    (
        "saved_tensors_hooks_node",
        "import torch\nx = torch.ones(3, requires_grad=True)\n"
        "g = (x * 2).grad_fn\nh = torch.autograd.graph.saved_tensors_hooks(g, g)",
        "not_allowed",
        "as a function",
    ),
    (
        "transformer_mask_huge",
        "import torch\nm = torch.nn.Transformer.generate_square_subsequent_mask(10**6)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "unicodedata_normalize_blowup",
        "import unicodedata\ns = unicodedata.normalize('NFKD', '\ufdfa' * 60000)",
        "limit",
        "max_sequence_length",
    ),
]


# ------------------------------------------------------------------------------------------------
# The standard library (app.lang.stdlib): each new name is a new door. Integers CPython would
# compute for minutes, sizes it would allocate in C, loops it would run in C past the step count,
# callbacks it would call past the guard, and private state.
# ------------------------------------------------------------------------------------------------
STDLIB = [
    # math: integer results estimated before they are computed
    ("factorial_huge", "import math\nx = math.factorial(10**9)", "limit", "max_int_bits"),
    ("factorial_past_limit", "import math\nx = math.factorial(600)", "limit", "max_int_bits"),
    ("comb_huge", "import math\nx = math.comb(10**9, 5 * 10**8)", "limit", "max_int_bits"),
    ("comb_wide", "import math\nx = math.comb(2**4000, 10)", "limit", "max_int_bits"),
    ("perm_huge", "import math\nx = math.perm(10**9, 10**6)", "limit", "max_int_bits"),
    ("perm_factorial", "import math\nx = math.perm(10**6)", "limit", "max_int_bits"),
    (
        "lcm_growth",
        "import math\nx = math.lcm(*[2**4000 + i for i in range(10)])",
        "limit",
        "max_int_bits",
    ),
    ("prod_range", "import math\nx = math.prod(range(10**7))", "limit", "max_sequence_length"),
    ("prod_growth", "import math\nx = math.prod(range(1, 10**5))", "limit", "max_int_bits"),
    (
        "prod_endless",
        "import math\nimport itertools\nx = math.prod(itertools.repeat(1.0))",
        "limit",
        "max_steps",
    ),
    (
        "fsum_endless",
        "import math\nimport itertools\nx = math.fsum(itertools.count())",
        "limit",
        "max_steps",
    ),
    ("pow_tower", "x = 2\nfor i in range(6):\n    x = pow(x, x)", "limit", "max_int_bits"),
    ("math_pow_overflow", "import math\nx = math.pow(2, 2**20)", "runtime", "OverflowError"),
    # random: the run's own instance, bounded
    ("getrandbits_huge", "import random\nx = random.getrandbits(10**9)", "limit", "max_int_bits"),
    (
        "instance_getrandbits",
        "import random\nx = random.Random(1).getrandbits(10**8)",
        "limit",
        "max_int_bits",
    ),
    (
        "sample_huge",
        "import random\nx = random.sample(range(10**12), 10**9)",
        "limit",
        "max_sequence_length",
    ),
    (
        "sample_counts",
        "import random\nx = random.sample([1, 2], 10**9, counts=[10**12, 1])",
        "limit",
        "max_sequence_length",
    ),
    (
        "choices_k",
        "import random\nx = random.choices([1], k=10**9)",
        "limit",
        "max_sequence_length",
    ),
    (
        "choices_endless_weights",
        "import random\nimport itertools\nx = random.choices([1], weights=itertools.repeat(1))",
        "limit",
        "max_steps",
    ),
    ("shuffle_huge", "import random\nx = [0] * 10**6\nrandom.shuffle(x)", "limit", "max_steps"),
    (
        "choices_tensor_weights",
        "import random\nimport torch\nw = torch.ones(10**7)\n"
        "x = random.choices(range(10), weights=[w] * 10)",
        "not_allowed",
        "weights",
    ),
    ("random_private_instance", "import random\nx = random._inst", "not_allowed", "_inst"),
    ("random_class_dict", "import random\nx = random.Random.__dict__", "not_allowed", "__dict__"),
    ("random_bytes", "import random\nx = random.randbytes(10**9)", "not_allowed", "randbytes"),
    # itertools: every item given costs a step, whoever pulls it; sizes C allocates are bounded
    (
        "product_iterated",
        "import itertools\nfor p in itertools.product(range(10**6), repeat=100):\n    pass",
        "limit",
        "max_steps",
    ),
    (
        "product_wide",
        "import itertools\nx = itertools.product([1, 2], repeat=10**9)",
        "limit",
        "max_sequence_length",
    ),
    ("count_list", "import itertools\nx = list(itertools.count())", "limit", "max_steps"),
    (
        "count_of_tensors",
        "import itertools\nimport torch\nfor t in itertools.count(torch.ones(10**7)):\n    pass",
        "limit",
        "max_total_elements",
    ),
    ("count_join", "import itertools\nx = ''.join(itertools.repeat('a'))", "limit", "max_steps"),
    ("count_sorted", "import itertools\nx = sorted(itertools.count())", "limit", "max_steps"),
    (
        "count_extend",
        "import itertools\nx = []\nx.extend(itertools.count())",
        "limit",
        "max_steps",
    ),
    ("count_contains", "import itertools\nx = -1 in itertools.count()", "limit", "max_steps"),
    (
        "count_numpy",
        "import itertools\nimport numpy as np\nx = np.array(itertools.repeat(1))",
        "not_allowed",
        "object",
    ),
    (
        "islice_skip",
        "import itertools\nx = list(itertools.islice(itertools.count(), 10**12, None))",
        "limit",
        "max_steps",
    ),
    (
        "filterfalse_skip",
        "import itertools\nx = list(itertools.filterfalse(None, itertools.count(1)))",
        "limit",
        "max_steps",
    ),
    (
        "chain_of_empties",
        "import itertools\nx = list(itertools.chain.from_iterable(itertools.repeat([])))",
        "limit",
        "max_steps",
    ),
    ("cycle_set", "import itertools\nx = set(itertools.cycle([1]))", "limit", "max_steps"),
    (
        "combinations_r",
        "import itertools\nx = itertools.combinations(range(10), 10**12)",
        "limit",
        "max_sequence_length",
    ),
    (
        "permutations_many",
        "import itertools\nfor p in itertools.permutations(range(20)):\n    pass",
        "limit",
        "max_steps",
    ),
    ("tee_many", "import itertools\nx = itertools.tee([1], 10**9)", "limit", "max_sequence_length"),
    ("stream_private", "import itertools\nx = itertools.count()._items", "not_allowed", "_items"),
    (
        "starmap_grad_fn",
        "import itertools\nimport torch\ny = (torch.ones(1, requires_grad=True) * 2).grad_fn\n"
        "x = itertools.starmap(y, [()])",
        "not_allowed",
        "MulBackward0",
    ),
    # collections: iterables read counted, deques bounded, factories called through the guard
    (
        "deque_endless",
        "import collections\nimport itertools\nd = collections.deque(itertools.count())",
        "limit",
        "max_steps",
    ),
    (
        "deque_maxlen_endless",
        "import collections\nimport itertools\nd = collections.deque(itertools.count(), maxlen=2)",
        "limit",
        "max_steps",
    ),
    (
        "deque_repeat",
        "import collections\nd = collections.deque([1] * 1000) * 10**9",
        "limit",
        "max_sequence_length",
    ),
    (
        "deque_maxlen_repeat",
        "import collections\nd = collections.deque([1] * 1000, maxlen=10**12)\nd *= 10**9",
        "limit",
        "max_sequence_length",
    ),
    (
        "deque_print_shared",
        "import collections\nL = [1] * 10**5\nprint(collections.deque([L] * 1000))",
        "limit",
        "max_sequence_length",
    ),
    (
        "counter_elements",
        "import collections\nx = ''.join(collections.Counter({'a': 10**12}).elements())",
        "limit",
        "max_steps",
    ),
    (
        "counter_endless",
        "import collections\nimport itertools\nc = collections.Counter(iter(itertools.count()))",
        "limit",
        "max_steps",
    ),
    (
        "counter_tensor_counts",
        "import collections\nimport torch\nc = collections.Counter()\n"
        "c['a'] = torch.ones(10**7)\nkeep = [c + c for i in range(100)]",
        "not_allowed",
        "Counter",
    ),
    (
        "defaultdict_grad_fn",
        "import collections\nimport torch\ny = (torch.ones(1, requires_grad=True) * 2).grad_fn\n"
        "d = collections.defaultdict(y)",
        "not_allowed",
        "MulBackward0",
    ),
    (
        "defaultdict_factory_swap",
        "import collections\nd = collections.defaultdict(list)\nd.default_factory = print",
        "not_allowed",
        "default_factory",
    ),
    (
        "namedtuple_dunder_field",
        "import collections\nP = collections.namedtuple('P', ['__class__'])",
        "not_allowed",
        "__class__",
    ),
    (
        "namedtuple_private_helper",
        "import collections\nP = collections.namedtuple('P', 'x')\nd = P(1)._asdict()",
        "not_allowed",
        "_asdict",
    ),
    (
        "namedtuple_many_fields",
        "import collections\nP = collections.namedtuple('P', ['f%d' % i for i in range(5000)])",
        "limit",
        "namedtuple_fields",
    ),
    # functools: what a partial, reduce or cache wraps is called through the guard
    (
        "partial_grad_fn",
        "import functools\nimport torch\ny = (torch.ones(1, requires_grad=True) * 2).grad_fn\n"
        "p = functools.partial(y)",
        "not_allowed",
        "MulBackward0",
    ),
    (
        "partial_huge_zeros",
        "import functools\nimport torch\np = functools.partial(torch.zeros, 10**6)\nx = p(10**6)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "lru_cache_huge_zeros",
        "import functools\nimport torch\nf = functools.lru_cache(None)(torch.zeros)\n"
        "x = f(10**6, 10**6)",
        "limit",
        "max_tensor_elements",
    ),
    (
        "partial_private_keyword",
        "import functools\nimport torch\np = functools.partial(torch.ones, 2)\n"
        "p.keywords['_stacklevel'] = 1\nx = p()",
        "not_allowed",
        "'_'",
    ),
    (
        "reduce_endless",
        "import functools\nimport itertools\nx = functools.reduce(max, itertools.count())",
        "limit",
        "max_steps",
    ),
    (
        "partial_repr_of_big_list",
        "import functools\nL = [1] * 10**5\np = functools.partial(print, L)\nprint([p] * 10**4)",
        "limit",
        "max_output_chars",
    ),
]


def _family(name: str, rows: list[tuple[str, str, str, str]]) -> list[Hostile]:
    programs = []
    for row_name, source, error, word in rows:
        fast = name in ("compute", "growth", "stdlib") and word == "max_steps"
        limits = FAST_STEPS if fast else {}
        programs.append(Hostile(name, row_name, _p(source), error, word, dict(limits)))  # type: ignore[arg-type]
    return programs


HOSTILE: list[Hostile] = [
    *_family("attribute", ATTRIBUTE_ESCAPES),
    *_family("callback", CALLBACKS),
    *_family("format", FORMAT_WALKS),
    *_family("module", MODULE_LEAKS),
    *_family("file", FILES),
    *_family("code", CODE_LOADING),
    *_family("process", PROCESSES),
    *_family("allocation", ALLOCATIONS),
    *_family("growth", GROWTH),
    *_family("compute", COMPUTE),
    *_family("parser", PARSER),
    *_family("crash", CRASHES),
    *_family("value", VALUES_AND_DEVICES),
    *_family("state", GLOBAL_STATE),
    *_family("recursion", RECURSION_AND_OUTPUT),
    *_family("surface", SURFACE),
    *_family("surface_allocation", SURFACE_ALLOCATIONS),
    *_family("language", LANGUAGE_DOORS),
    *_family("stdlib", STDLIB),
]

# Positions: errors raised before or outside any statement carry none.
_UNPOSITIONED = {"deep_parens", "long_line", "many_lines", "nul_byte"}
HOSTILE = [
    Hostile(h.family, h.name, h.source, h.error, h.word, h.limits,
            positioned=h.name not in _UNPOSITIONED)
    for h in HOSTILE
]  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Beyond the estimators: programs only the OS fence stops. They run over HTTP only: in the test
# process (no fence) they would really take the memory or the time.
# ------------------------------------------------------------------------------------------------
# The estimators count elements, not bytes: nineteen complex128 tensors of 10**7 elements are
# each within max_tensor_elements and together within max_total_elements (200,000,000), yet they
# are 3 GB, more than a worker's RLIMIT_DATA. torch's allocator fails inside the fence.
MEMORY_HOG = _p(
    """
    import torch
    keep = []
    for i in range(19):
        keep.append(torch.ones(10**7, dtype=torch.complex128))
    print(len(keep))
    """
)
# A step is a statement, not a unit of work: each of these few steps is a 2000x2000 matmul
# (16 GFLOP), so the program runs for minutes while counting a few hundred steps.
RUNAWAY = _p(
    """
    import torch
    a = torch.rand(2000, 2000)
    for i in range(10**6):
        b = a @ a
    """
)
# Defused rather than refused: DataLoader's worker processes are forced off (num_workers=0).
DATALOADER_WORKERS = _p(
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(torch.ones(8, 1)), batch_size=2, num_workers=4)
    for batch in loader:
        print(len(batch))
    """
)
# Ignored rather than refused: plt.savefig writes nothing.
SAVEFIG = _p(
    f"""
    import matplotlib.pyplot as plt
    plt.plot([1, 2, 3])
    plt.savefig('{FILE_MARKER}.png')
    print('saved')
    """
)

# A later program must not see what an earlier one did to process-wide state.
SEEDED = _p(
    """
    import torch
    import numpy as np
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    torch.set_printoptions(precision=1)
    torch.autograd.set_detect_anomaly(True)
    secret = torch.full((5000,), 1234.5)
    """
)
AFTER_SEEDED = _p(
    """
    import torch
    import numpy as np
    print(torch.rand(3).tolist(), np.random.rand(3).tolist())
    print(torch.get_default_dtype(), torch.is_grad_enabled(), torch.tensor([0.123456]))
    x = torch.ones(1, requires_grad=True)
    (x * 2).sum().backward()  # under anomaly mode, this would warn
    e = torch.empty(5000)
    f = torch.zeros(1).new_empty(5000)
    g = np.empty(5000)
    print(int((e == 1234.5).sum()), int((f == 1234.5).sum()), int((g == 1234.5).sum()))
    """
)
