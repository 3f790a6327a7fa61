"""Read a PyTorch ``torch.save`` state dict without importing torch and without trusting the pickle.

The file is torch's zip format: one top directory holding ``data.pkl`` (a pickle), ``data/<key>``
(raw little-endian bytes of one storage each) and optionally ``byteorder``. The pickle is read by
an unpickler that resolves only the globals in ``find_class`` (an OrderedDict, the two tensor
rebuild functions, storage types and dtype names), each mapped to a harmless local stand-in; any
other global is refused before it is looked up. Storages become numpy arrays read from the zip,
and each tensor becomes a fresh C-contiguous copy of a bounds-checked strided view of its storage.

Contract of ``read_state_dict(path)``: it returns a dict from str names to numpy arrays of the
storage's dtype (float32 stays float32; the caller refuses other dtypes), taken from a plain
state dict, ``{"model": sd}`` or Lightning's ``{"state_dict": sd}`` (``model.`` prefix stripped),
or it raises ``Unusable`` with a one-line reason naming the file. Work is bounded: the file size,
the pickle size, tuple nesting (checked before unpickling), the number of container entries, and
the bytes and elements materialized.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.weights import MAX_WEIGHT_FILE_BYTES

MAX_PICKLE_BYTES = 2**20  # a torch pickle takes ~100 bytes per tensor
MAX_ENTRIES = 10_000
MAX_ELEMENTS = MAX_WEIGHT_FILE_BYTES // 4  # elements over all rebuilt tensors
MAX_INDEX = 2**48  # bound on every offset, size, stride and numel in the pickle
MAX_NDIM = 16
MAX_NESTING = 64  # tuples in a torch pickle nest 3 deep; see _check_nesting

# The storage globals torch.save writes (module, name) and the numpy dtype of their elements.
STORAGE_DTYPES = {("torch", "FloatStorage"): "float32", ("torch", "DoubleStorage"): "float64",
                  ("torch", "HalfStorage"): "float16", ("torch", "LongStorage"): "int64",
                  ("torch", "IntStorage"): "int32", ("torch", "ShortStorage"): "int16",
                  ("torch", "CharStorage"): "int8", ("torch", "ByteStorage"): "uint8",
                  ("torch", "BoolStorage"): "bool", ("torch.storage", "UntypedStorage"): "uint8"}
DTYPE_NAMES = frozenset({"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
                         "int8", "uint8", "bool"})


class _StorageType(NamedTuple):
    """Stand-in for ``torch.FloatStorage`` etc.: a name and a numpy dtype; not callable."""
    name: str
    dtype: np.dtype


class _TorchDtype(NamedTuple):
    """Stand-in for ``torch.float32`` etc., which may appear in non-tensor checkpoint entries."""
    name: str


class _Storage(NamedTuple):
    """One storage as loaded: its type and its elements as a read-only 1-D array."""
    kind: _StorageType
    data: np.ndarray


class _OrderedDict(dict):
    """Stand-in for ``collections.OrderedDict``; the pickled ``_metadata`` state is discarded."""

    def __setstate__(self, state: object) -> None:
        """Accept and drop the instance state torch attaches to state dicts."""


def _one_line(text: object, limit: int = 120) -> str:
    """``text`` as one line of at most ``limit`` characters, safe to put in an error message."""
    return " ".join(str(text).split())[:limit]


def _is_count(value: object) -> bool:
    """True for a plain int in [0, MAX_INDEX] (bools and other numbers are not counts)."""
    return type(value) is int and 0 <= value <= MAX_INDEX


def _check_nesting(data: bytes) -> None:
    """Raise ValueError if the pickle would nest tuples or frozensets more than MAX_NESTING deep.

    Hashing such an object (a dict key, a set member) recurses in C with no depth check and can
    crash the interpreter, so this dry run tracks, for each stack slot and memo entry, its tuple
    nesting depth (0 for anything else: lists and dicts stop hashing) before the real unpickler."""
    stack: list[Any] = []  # a nesting depth (int), or None for a MARK
    memo: dict[Any, int] = {}
    for op, arg, _ in pickletools.genops(data):
        popped = []
        for item in reversed(op.stack_before):
            if item is pickletools.markobject:
                while stack[-1] is not None:
                    popped.append(stack.pop())
                stack.pop()
            elif item is not pickletools.stackslice:
                if stack[-1] is None:
                    raise ValueError("pickle stack underflow")
                popped.append(stack.pop())
        if op.name in ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE", "FROZENSET"):
            after: list[Any] = [1 + max(popped, default=0)]
            if after[0] > MAX_NESTING:
                raise ValueError(f"tuples nested more than {MAX_NESTING} deep")
        elif op.name in ("DUP", "MEMOIZE", "BUILD"):  # pass the object (below BUILD's state) on
            after = [popped[-1]] * len(op.stack_after)
        elif op.name in ("GET", "BINGET", "LONG_BINGET"):
            after = [memo[arg]]
        else:
            after = [None if item is pickletools.markobject else 0 for item in op.stack_after]
        stack.extend(after)
        if op.name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            if stack[-1] is None:
                raise ValueError("memo of a MARK")
            memo[len(memo) if arg is None else arg] = stack[-1]


class _Unpickler(pickle.Unpickler):
    """An unpickler that builds only containers, scalars and tensors from one torch archive."""

    def __init__(self, archive: zipfile.ZipFile, top: str, where: str) -> None:
        self.data = _read_member(archive, f"{top}/data.pkl", MAX_PICKLE_BYTES, where)
        super().__init__(io.BytesIO(self.data))
        self.archive, self.top, self.where = archive, top, where
        self.storages: dict[str, _Storage] = {}
        self.bytes_left, self.elements_left = MAX_WEIGHT_FILE_BYTES, MAX_ELEMENTS

    def find_class(self, module: str, name: str) -> Any:
        """Resolve a pickle global to its stand-in, or refuse it."""
        if (module, name) == ("collections", "OrderedDict"):
            return _OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self.rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return self.rebuild_parameter
        if (module, name) in STORAGE_DTYPES:
            return _StorageType(name, np.dtype(STORAGE_DTYPES[module, name]))
        if module == "torch" and name in DTYPE_NAMES:
            return _TorchDtype(name)
        if module in ("torch", "torch.storage") and name.endswith("Storage"):
            raise Unusable(f"{self.where}: unsupported storage type {_one_line(module + '.' + name)}")
        raise Unusable(f"{self.where}: pickle asks for {_one_line(module + '.' + name)}; refused "
                       "(only tensors and plain containers may be unpickled)")

    def persistent_load(self, pid: Any) -> _Storage:
        """Load the storage a ``('storage', type, key, location, numel)`` record names."""
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and type(pid[2]) is str and _is_count(pid[4])):
            raise Unusable(f"{self.where}: pickle has a malformed storage record")
        kind, key, numel = pid[1], pid[2], pid[4]
        if key not in self.storages:
            nbytes = numel * kind.dtype.itemsize
            if nbytes > self.bytes_left:
                raise Unusable(f"{self.where}: storages add up to more than {MAX_WEIGHT_FILE_BYTES} bytes")
            self.bytes_left -= nbytes
            raw = _read_member(self.archive, f"{self.top}/data/{key}", nbytes, self.where)
            if len(raw) != nbytes:
                raise Unusable(f"{self.where}: storage file {self.top}/data/{_one_line(key)} has "
                               f"{len(raw)} bytes, expected {nbytes} ({numel} x {kind.name})")
            data = np.frombuffer(raw, dtype=kind.dtype.newbyteorder("<")).astype(kind.dtype, copy=False)
            self.storages[key] = _Storage(kind, data)
        if self.storages[key].kind != kind or len(self.storages[key].data) != numel:
            raise Unusable(f"{self.where}: storage {_one_line(key)} is referenced with two types or sizes")
        return self.storages[key]

    def rebuild_tensor(self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                       backward_hooks: Any, metadata: Any = None) -> np.ndarray:
        """Stand-in for ``torch._utils._rebuild_tensor_v2``: a C-contiguous copy of the view of
        ``storage`` with the given element offset, size and stride, all checked to stay inside."""
        if not isinstance(storage, _Storage):
            raise Unusable(f"{self.where}: a tensor is rebuilt from something that is not a storage")
        if not (_is_count(offset) and type(size) is tuple and type(stride) is tuple
                and len(size) == len(stride) <= MAX_NDIM and all(map(_is_count, size + stride))):
            raise Unusable(f"{self.where}: a tensor has a malformed offset, size or stride")
        numel = math.prod(size)
        end = offset + (1 + sum((n - 1) * s for n, s in zip(size, stride)) if numel else 0)
        if end > len(storage.data):
            raise Unusable(f"{self.where}: a tensor (offset {offset}, size {size}, stride {stride}) "
                           f"reaches past the end of its storage of {len(storage.data)} elements")
        if numel > self.elements_left:
            raise Unusable(f"{self.where}: tensors add up to more than {MAX_ELEMENTS} elements")
        self.elements_left -= numel
        index = np.full((), offset, dtype=np.int64)
        for n, s in zip(size, stride):
            index = index[..., None] + np.arange(n, dtype=np.int64) * s
        return storage.data[index.reshape(-1)].reshape(size)  # fancy indexing copies, C order

    def rebuild_parameter(self, data: Any, requires_grad: Any, backward_hooks: Any) -> np.ndarray:
        """Stand-in for ``torch._utils._rebuild_parameter``: the parameter's tensor itself."""
        if not isinstance(data, np.ndarray):
            raise Unusable(f"{self.where}: a parameter wraps something that is not a tensor")
        return data


def _read_member(archive: zipfile.ZipFile, name: str, limit: int, where: str) -> bytes:
    """The bytes of zip member ``name``, refusing a member over ``limit`` bytes or unreadable."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise Unusable(f"{where}: the archive has no {_one_line(name)}") from None
    if info.file_size > limit:
        raise Unusable(f"{where}: {_one_line(name)} is {info.file_size} bytes, over the {limit}-byte limit")
    try:
        return archive.read(info)
    except Exception as exc:  # zipfile raises many types for damaged members
        raise Unusable(f"{where}: damaged zip member {_one_line(name)} "
                       f"({type(exc).__name__}: {_one_line(exc)})") from None


def _count_entries(obj: object, where: str) -> None:
    """Refuse an unpickled object whose containers hold more than MAX_ENTRIES entries in all."""
    stack, seen = [obj], 0
    while stack:
        item = stack.pop()
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else (
            list(item) if isinstance(item, (list, tuple, set, frozenset)) else [])
        seen += len(children)
        if seen > MAX_ENTRIES:
            raise Unusable(f"{where}: the pickle holds more than {MAX_ENTRIES} container entries")
        stack.extend(children)


def _state_dict(obj: Any, where: str) -> dict[str, np.ndarray]:
    """Pick the state dict out of a plain, ``{"model": ...}`` or Lightning checkpoint."""
    if not isinstance(obj, dict):
        raise Unusable(f"{where}: the pickle holds a {type(obj).__name__}, not a state dict")
    prefix = ""
    if not all(isinstance(v, np.ndarray) for v in obj.values()):
        if isinstance(obj.get("state_dict"), dict):
            obj, prefix = obj["state_dict"], "model."
        elif isinstance(obj.get("model"), dict):
            obj = obj["model"]
    tensors = {}
    for key, value in obj.items():
        if type(key) is not str or not key.startswith(prefix):
            what = f"key {_one_line(key, 60)!r}" if type(key) is str else f"a key of type {type(key).__name__}"
            raise Unusable(f"{where}: state dict has {what}, not a string"
                           + (f" starting with {prefix!r}" if prefix else ""))
        if not isinstance(value, np.ndarray):
            raise Unusable(f"{where}: state dict entry {_one_line(key, 60)} is of type "
                           f"{type(value).__name__}, not a tensor")
        tensors[key[len(prefix):]] = value
    return tensors


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Read the state dict in torch zip file ``path`` (see the module docstring for the contract)."""
    where = str(path)
    try:
        if path.stat().st_size > MAX_WEIGHT_FILE_BYTES:
            raise Unusable(f"{where}: weight file is over the {MAX_WEIGHT_FILE_BYTES}-byte limit")
        archive = zipfile.ZipFile(path)
    except Unusable:
        raise
    except Exception as exc:  # BadZipFile, OSError, and others for damaged central directories
        raise Unusable(f"{where}: not a readable PyTorch zip archive ({type(exc).__name__}: "
                       f"{_one_line(exc)})") from None
    with archive:
        names = archive.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        # one file per storage, plus torch's few bookkeeping files
        if len(names) > MAX_ENTRIES + 16 or len(tops) != 1 or not all("/" in n for n in names):
            raise Unusable(f"{where}: not a PyTorch archive (need one top directory holding data.pkl)")
        top = tops.pop()
        if f"{top}/byteorder" in names and _read_member(archive, f"{top}/byteorder", 16, where) != b"little":
            raise Unusable(f"{where}: only little-endian PyTorch archives are supported")
        unpickler = _Unpickler(archive, top, where)
        try:
            _check_nesting(unpickler.data)
            obj = unpickler.load()
        except Unusable:
            raise
        except Exception as exc:  # the unpickler raises many types on malformed input
            raise Unusable(f"{where}: malformed pickle in data.pkl ({type(exc).__name__}: "
                           f"{_one_line(exc)})") from None
    _count_entries(obj, where)
    return _state_dict(obj, where)
