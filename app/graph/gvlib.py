"""Graphviz's C library, called directly, to lay out small graphs inside a worker.

pygraphviz's wheels bundle Graphviz (cgraph, gvc and its plugins). Going through pygraphviz
costs twice over: its context registers the pango plugin, which measures every line of every
label with pango (about 40% of a layout), and its calls hold the GIL, so nothing else in the
worker moves meanwhile. Here the same bundled libraries are loaded with ctypes and a context is
built with the core (SVG) and dot-layout plugins only: label sizes come from Graphviz's own font
metrics (labels use Courier, which it knows), and the GIL is released for the whole layout, so
the worker encodes its response while Graphviz works (:func:`start_layout`).

When the bundled libraries are not there, :func:`available` is False and callers use
pygraphviz or the ``dot`` program instead.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path


class LayoutFailed(RuntimeError):
    """Graphviz could not read or lay out the DOT text."""


class _Symbol(ctypes.Structure):
    """lt_symlist_t: a builtin plugin library's name and address."""

    _fields_ = [("name", ctypes.c_char_p), ("address", ctypes.c_void_p)]


class _Graphviz:
    """The loaded libraries and one context (per process) with the two plugins we need."""

    def __init__(self, directory: Path) -> None:
        def load(stem: str) -> ctypes.CDLL:
            matches = sorted(glob.glob(str(directory / f"{stem}-*.so*")))
            if not matches:
                raise OSError(f"{stem} not found in {directory}")
            return ctypes.CDLL(matches[0], mode=ctypes.RTLD_GLOBAL)

        self.cgraph = load("libcgraph")
        self.gvc = load("libgvc")
        plugins = [(load(f"libgvplugin_{name}"), f"gvplugin_{name}_LTX_library") for name in
                   ("core", "dot_layout")]  # fmt: skip
        symbols = [
            _Symbol(name.encode(), ctypes.addressof(ctypes.c_char.in_dll(lib, name)))
            for lib, name in plugins
        ]
        # gvContextPlugins keeps a pointer to this array: it lives as long as this object.
        self.builtins = (_Symbol * (len(symbols) + 1))(*symbols, _Symbol(None, None))
        self._declare()
        self.context: int | None = None
        self.pid = 0

    def _declare(self) -> None:
        pointer, text = ctypes.c_void_p, ctypes.c_char_p
        self.cgraph.agmemread.argtypes, self.cgraph.agmemread.restype = [text], pointer
        self.cgraph.agclose.argtypes, self.cgraph.agclose.restype = [pointer], ctypes.c_int
        gvc = self.gvc
        gvc.gvContextPlugins.argtypes = [pointer, ctypes.c_int]
        gvc.gvContextPlugins.restype = pointer
        gvc.gvLayout.argtypes, gvc.gvLayout.restype = [pointer, pointer, text], ctypes.c_int
        # The length is unsigned int in older Graphviz and size_t in newer: a zeroed size_t
        # reads right either way on a little-endian machine.
        gvc.gvRenderData.argtypes = [
            pointer,
            pointer,
            text,
            ctypes.POINTER(pointer),
            ctypes.POINTER(ctypes.c_size_t),
        ]
        gvc.gvRenderData.restype = ctypes.c_int
        gvc.gvFreeRenderData.argtypes, gvc.gvFreeRenderData.restype = [pointer], None
        gvc.gvFreeLayout.argtypes, gvc.gvFreeLayout.restype = [pointer, pointer], ctypes.c_int

    def _context(self) -> int:
        if self.context is None or self.pid != os.getpid():  # contexts do not survive a fork
            self.context = self.gvc.gvContextPlugins(self.builtins, 0)
            self.pid = os.getpid()
            if not self.context:
                raise LayoutFailed("Graphviz could not start")
        return self.context

    def svg(self, dot: str) -> str:
        context = self._context()
        graph = self.cgraph.agmemread(dot.encode("utf-8"))
        if not graph:
            raise LayoutFailed("Graphviz could not read the DOT text")
        try:
            if self.gvc.gvLayout(context, graph, b"dot") != 0:
                raise LayoutFailed("Graphviz could not lay out the graph")
            try:
                data, length = ctypes.c_void_p(), ctypes.c_size_t(0)
                if self.gvc.gvRenderData(
                    context, graph, b"svg", ctypes.byref(data), ctypes.byref(length)
                ):
                    raise LayoutFailed("Graphviz could not write the SVG")
                try:
                    return ctypes.string_at(data, length.value).decode("utf-8", "replace")
                finally:
                    self.gvc.gvFreeRenderData(data)
            finally:
                self.gvc.gvFreeLayout(context, graph)
        finally:
            self.cgraph.agclose(graph)


def _bundled_directory() -> Path | None:
    try:
        import pygraphviz
    except ImportError:
        return None
    directory = Path(pygraphviz.__file__).resolve().parent.parent / "pygraphviz.libs"
    return directory if directory.is_dir() else None


_library: _Graphviz | None = None
_load_failed = False
_lock = threading.Lock()  # Graphviz keeps global state: one layout at a time per process


def _graphviz() -> _Graphviz | None:
    global _library, _load_failed
    if _library is None and not _load_failed:
        directory = _bundled_directory()
        try:
            _library = _Graphviz(directory) if directory else None
        except (OSError, ValueError, AttributeError):
            _library = None
        _load_failed = _library is None
    return _library


def available() -> bool:
    """Whether the bundled Graphviz libraries could be loaded."""
    return _graphviz() is not None


def layout_svg(dot: str) -> str:
    """Lay out DOT text with dot and return the SVG document; raises :class:`LayoutFailed`."""
    library = _graphviz()
    if library is None:
        raise LayoutFailed("the Graphviz library is not available")
    with _lock:
        return library.svg(dot)


def start_layout(dot: str) -> Future[tuple[str, float]]:
    """:func:`layout_svg` on a thread (the GIL is released while Graphviz works); the future
    gives the SVG and the milliseconds the layout took."""
    future: Future[tuple[str, float]] = Future()

    def run() -> None:
        started = time.perf_counter()
        try:
            svg = layout_svg(dot)
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)
        else:
            future.set_result((svg, (time.perf_counter() - started) * 1000))

    threading.Thread(target=run, name="gradtrace-layout", daemon=True).start()
    return future
