"""checker.torch_pickle: torch zip files read without torch, and every hostile or broken one refused.

The .pt files are built here without torch: ``dumps`` emits protocol-2 pickle opcodes by hand
(GLOBAL, REDUCE, BINPERSID, ... exactly as torch.save lays them out) and ``pt_bytes`` zips them
in torch's layout. ``REAL_TORCH_FILE`` is one file written by torch itself, as a format check.
The helpers are imported by test_weights.py too.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

import compact_proofs.checker.io.torch_pickle as tp
from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.torch_pickle import read_state_dict


class G(NamedTuple):
    """A pickle global (GLOBAL opcode)."""
    module: str
    name: str


class Call(NamedTuple):
    """``func(*args)`` (REDUCE opcode)."""
    func: object
    args: tuple


class PersId(NamedTuple):
    """A persistent id (BINPERSID opcode), as torch uses for storages."""
    record: tuple


class ODict(dict):
    """An OrderedDict as torch pickles a state dict, with optional ``_metadata`` (BUILD)."""
    metadata: dict | None = None


class Raw(NamedTuple):
    """Opcodes emitted verbatim (for hostile pickles)."""
    code: bytes


STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                 "bool": "BoolStorage", "int64": "LongStorage"}


def _emit(obj: object, out: bytearray) -> None:
    if obj is None:
        out += b"N"
    elif obj is True or obj is False:
        out += b"\x88" if obj else b"\x89"
    elif isinstance(obj, int):
        if -2**31 <= obj < 2**31:
            out += b"J" + struct.pack("<i", obj)
        else:
            data = obj.to_bytes((obj.bit_length() + 8) // 8, "little", signed=True)
            out += b"\x8a" + bytes([len(data)]) + data
    elif isinstance(obj, float):
        out += b"G" + struct.pack(">d", obj)
    elif isinstance(obj, str):
        data = obj.encode()
        out += b"X" + struct.pack("<I", len(data)) + data
    elif isinstance(obj, Raw):
        out += obj.code
    elif isinstance(obj, G):
        out += b"c" + f"{obj.module}\n{obj.name}\n".encode()
    elif isinstance(obj, Call):
        _emit(obj.func, out)
        _emit(tuple(obj.args), out)
        out += b"R"
    elif isinstance(obj, PersId):
        _emit(tuple(obj.record), out)
        out += b"Q"
    elif isinstance(obj, tuple):
        out += b"("
        for item in obj:
            _emit(item, out)
        out += b"t"
    elif isinstance(obj, list):
        out += b"]("
        for item in obj:
            _emit(item, out)
        out += b"e"
    elif isinstance(obj, dict):
        _emit(Call(G("collections", "OrderedDict"), ()), out) if isinstance(obj, ODict) else out.__iadd__(b"}")
        out += b"("
        for key, value in obj.items():
            _emit(key, out)
            _emit(value, out)
        out += b"u"
        if isinstance(obj, ODict) and obj.metadata is not None:
            _emit({"_metadata": obj.metadata}, out)
            out += b"b"
    else:
        raise TypeError(f"cannot emit {type(obj).__name__}")


def dumps(obj: object) -> bytes:
    """A protocol-2 pickle of ``obj`` built from the stand-in node types above."""
    out = bytearray(b"\x80\x02")
    _emit(obj, out)
    return bytes(out + b".")


def tensor(key: str, size: tuple, stride: tuple | None = None, offset: int = 0, numel: int | None = None,
           storage: str = "FloatStorage") -> Call:
    """``torch._utils._rebuild_tensor_v2`` of storage ``key`` (C-contiguous unless ``stride``)."""
    if stride is None:
        stride = tuple(int(np.prod(size[i + 1:])) for i in range(len(size)))
    numel = int(np.prod(size)) if numel is None else numel
    record = PersId(("storage", G("torch", storage), key, "cpu", numel))
    return Call(G("torch._utils", "_rebuild_tensor_v2"),
                (record, offset, tuple(size), tuple(stride), False, Call(G("collections", "OrderedDict"), ())))


def pt_bytes(obj: object = None, storages: dict[str, bytes] | None = None, top: str = "archive",
             pickle_bytes: bytes | None = None, extra: dict[str, bytes] | None = None,
             compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip in torch's layout: top/data.pkl, top/data/<key>, top/version, top/byteorder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        members = {"data.pkl": dumps(obj) if pickle_bytes is None else pickle_bytes,
                   "byteorder": b"little", **{f"data/{k}": v for k, v in (storages or {}).items()},
                   "version": b"3\n", **(extra or {})}
        for name, data in members.items():
            zf.writestr(f"{top}/{name}", data)
    return buf.getvalue()


def encode_state_dict(tensors: dict[str, np.ndarray]) -> tuple[ODict, dict[str, bytes]]:
    """A state dict of ``tensors`` as torch lays it out: one storage per tensor, little-endian."""
    sd, storages = ODict(), {}
    sd.metadata = {"": {"version": 1}}
    for i, (name, array) in enumerate(tensors.items()):
        array = np.asarray(array)
        sd[name] = tensor(str(i), array.shape, storage=STORAGE_NAMES[array.dtype.name])
        storages[str(i)] = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    return sd, storages


def write_pt(path: Path, obj: object = None, storages: dict[str, bytes] | None = None, **kw) -> Path:
    """Write ``pt_bytes(...)`` to ``path`` and return it."""
    path.write_bytes(pt_bytes(obj, storages, **kw))
    return path


def refused(path: Path, *fragments: str) -> str:
    """Assert that reading ``path`` raises a one-line Unusable naming the file and ``fragments``."""
    with pytest.raises(Unusable) as info:
        read_state_dict(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# Written by torch 2.13.0: a module's state_dict() (so with _metadata) holding W (2x3 float32),
# a bool mask, a 0-d IGNORE, then Wt = W.t() and row = W[1] (views sharing W's storage):
# torch.save(sd, buf); base64.b64encode(zlib.compress(buf.getvalue(), 9)).
REAL_TORCH_FILE = (
    "eNqlVUtME0EYnu2Wpa3KS5SHiogoRaG0S+lDFMxGl5hNpNQYGzw0S7vSDQvLvzuFaEIkMZB41BjjyZMHExOvxpuJB89e"
    "1IM3vXjyyNWZ3VJ2t0BVJplOsp3vMTPfP5ORWD9CgQCqaS2oDclGoaSuKCNFGcuR5QVNFJrQrKut+woFXdOUAlb1JTM0"
    "bRQVQyleUws4BGgwC0w4xxCyO+ArYJ2wRfJlrGpmKG8oc2VVK+axsmTqRn6FDwEbDucayWSTzJTnFfDbkJCo6TK+ZX8M"
    "QYNFGAUux5KxsFyGRonDEJiRkOST2E0ISqzEbELocYkaOIThcBaO5Mgq0aJsLkBTieiUtrkFXdeq1M0WdQxaSo2SH0Or"
    "TenbhDYyEMqjNmU7hmNZOJ7jyOQbUzens9ehwyYt2eZ46CQMDIYuwjA4aKO6MZzIwsmcj24HhlPbiBJXshbQQ9VYqnZa"
    "Yug6em3cGQx9WThrrdbQV6HfCzw3Q2DsBpyXmA0YsEFhDOT3QnkNLuaCBJhfVLBMTxGGrP+Hc/SIIbIGI9aWryiGSQ4Q"
    "ohJjmuZcJCM1Bl68+XL3K1kO7Zk9Y9KB+qsxidzTjUUZ5ytsotDrSUtti1Gld7+/P6L7RvveSt0ouaNUyUhe1tT5pUVl"
    "CYvCaF2xXVoiTg1MrsIvei6+fQ20osmqgbn7WNFp2EVh/H90t5umYqwp1MPGlR9dNFHcvh6a0ISrKkeionDpAAYqtBMI"
    "rZP+gXSySNQ7SR0pr/rHO8mHzjqOhtyOYqIQ/mtHDGIYqvX2/c8tWqL+OlpX3Vq8KFw+yPbPoszHT1Sf7xt5XV+/2ZGA"
    "asgPdP6jIar++eX87fr560H8TgFYyzcVQyUV8ECmt29eLYpC5B/NRFPxdDyVSsWT6cRYNJ5Kjo5FY3wiFovG4mk+lUwm"
    "+dF0Ip2gLrfGv5XDxEfYcslQs1Wfzsuipca59x3xop0XQIcLOeBDe10vXhJnEXe7SJ44SWpuDi+PsxBbXTxtLKq9ALxw"
    "Z9U0ueDPWeSpXS/WWQVubNjvwca8WGeC3dhnXizvxTrz1+zCtjcgb+K9YGcselzgpw7w7oHNSBw3tB1vdriKDHrGKZ89"
    "pjh7JDj6bKGHFQ/2y9HA2ZigNd+e+weC9fMM"
)


def test_reads_a_file_written_by_torch(tmp_path):
    path = tmp_path / "real.pt"
    path.write_bytes(zlib.decompress(base64.b64decode(REAL_TORCH_FILE)))
    sd = read_state_dict(path)
    w = np.arange(6, dtype=np.float32).reshape(2, 3) / 8
    assert list(sd) == ["W", "mask", "IGNORE", "Wt", "row"]
    np.testing.assert_array_equal(sd["W"], w)
    np.testing.assert_array_equal(sd["Wt"], w.T)
    np.testing.assert_array_equal(sd["row"], w[1])
    np.testing.assert_array_equal(sd["mask"], np.tril(np.ones((2, 2), bool)))
    assert sd["IGNORE"].shape == () and sd["IGNORE"] == np.float32(-1e5)
    assert sd["W"].dtype == sd["Wt"].dtype == np.float32 and sd["mask"].dtype == np.bool_
    assert all(a.flags.c_contiguous and a.flags.writeable for a in sd.values())


def test_synthetic_layout_matches_torch(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3) / 8
    sd = ODict(W=tensor("0", (2, 3)), Wt=tensor("0", (3, 2), (1, 3), numel=6),
               row=tensor("0", (3,), offset=3, numel=6), IGNORE=tensor("1", ()),
               empty=tensor("1", (0, 5), (7, 9), numel=1))
    sd.metadata = {"": {"version": 1}}
    path = write_pt(tmp_path / "s.pt", sd, {"0": w.tobytes(), "1": np.float32(-1e5).tobytes()})
    out = read_state_dict(path)
    np.testing.assert_array_equal(out["Wt"], w.T)
    np.testing.assert_array_equal(out["row"], w[1])
    assert out["IGNORE"].shape == () and out["empty"].shape == (0, 5)
    out["W"][0, 0] = 9  # a copy, not a view of the (read-only) storage
    assert out["Wt"][0, 0] == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_keeps_the_storage_dtype(tmp_path, dtype):
    values = np.array([[1.5, -2.25], [0.0, 3.0]], dtype=dtype)
    sd, storages = encode_state_dict({"x": values})
    out = read_state_dict(write_pt(tmp_path / "d.pt", sd, storages))
    assert out["x"].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out["x"], values)


def test_untyped_storage_reads_as_bytes(tmp_path):
    record = PersId(("storage", G("torch.storage", "UntypedStorage"), "0", "cpu", 3))
    sd = {"x": Call(G("torch._utils", "_rebuild_tensor_v2"), (record, 1, (2,), (1,), False, {}))}
    out = read_state_dict(write_pt(tmp_path / "u.pt", sd, {"0": b"\x01\x02\x03"}))
    assert out["x"].dtype == np.uint8 and out["x"].tolist() == [2, 3]
    sd = {"x": Call(G("torch._utils", "_rebuild_tensor_v2"), (record._replace(record=(
        "storage", G("torch", "UntypedStorage"), "0", "cpu", 3)), 1, (2,), (1,), False, {}))}
    refused(write_pt(tmp_path / "v.pt", sd, {"0": b"\x01\x02\x03"}), "unsupported storage type torch.UntypedStorage")


def test_wrappers_and_lightning_extras(tmp_path):
    values = {"a.W": np.ones((2, 2), np.float32), "b": np.zeros(3, np.float32)}
    sd, storages = encode_state_dict(values)
    plain = read_state_dict(write_pt(tmp_path / "p.pt", sd, storages))
    wrapped = read_state_dict(write_pt(tmp_path / "m.pt", {"model": sd, "step": 7}, storages))
    storages["9"] = np.float32(0.5).tobytes()
    lightning = {"epoch": 3, "global_step": 12, "pytorch-lightning_version": "2.4.0",
                 "state_dict": ODict({"model." + k: v for k, v in sd.items()}),
                 "optimizer_states": [{"state": {0: {"step": tensor("9", ()), "exp_avg": sd["b"]}},
                                       "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.99)}]}],
                 "dtype": G("torch", "float32"),
                 "param": Call(G("torch._utils", "_rebuild_parameter"), (tensor("9", ()), True, ODict())),
                 "lr_schedulers": [], "callbacks": {}, "loops": None}
    light = read_state_dict(write_pt(tmp_path / "l.ckpt", lightning, storages))
    for out in (plain, wrapped, light):
        assert sorted(out) == sorted(values)
        for k in values:
            np.testing.assert_array_equal(out[k], values[k])


# ---- refusals ----------------------------------------------------------------------------

def good_pickle() -> tuple[ODict, dict[str, bytes]]:
    return encode_state_dict({"x": np.arange(4, dtype=np.float32)})


@pytest.mark.parametrize("data, fragment", [
    (b"", "not a readable PyTorch zip"),
    (b"\x00garbage" * 50, "not a readable PyTorch zip"),
    (b"PK\x03\x04" + b"\x00" * 60, "not a readable PyTorch zip"),
])
def test_refuses_non_zip(tmp_path, data, fragment):
    path = tmp_path / "bad.pt"
    path.write_bytes(data)
    refused(path, fragment)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9, 0.99])
def test_refuses_truncated_zip(tmp_path, cut):
    data = pt_bytes(*good_pickle())
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: int(len(data) * cut)])
    refused(path, "not a readable PyTorch zip")


def test_refuses_corrupted_member(tmp_path):
    data = bytearray(pt_bytes(*good_pickle()))
    at = data.index(b"archive/data.pkl") + len("archive/data.pkl") + 5  # inside data.pkl's bytes
    data[at] ^= 0xFF
    path = tmp_path / "crc.pt"
    path.write_bytes(bytes(data))
    refused(path, "damaged zip member", "data.pkl")


def test_refuses_missing_data_pkl(tmp_path):
    path = tmp_path / "nopkl.pt"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/version", b"3\n")
    path.write_bytes(buf.getvalue())
    refused(path, "no archive/data.pkl")


def test_refuses_two_top_directories(tmp_path):
    path = write_pt(tmp_path / "two.pt", *good_pickle())
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("other/data.pkl", dumps({}))
    refused(path, "one top directory")


def test_refuses_big_endian(tmp_path):
    sd, storages = good_pickle()
    path = write_pt(tmp_path / "be.pt", sd, storages, extra={"byteorder": b"big"})
    refused(path, "little-endian")


@pytest.mark.parametrize("pickle_bytes", [
    dumps({"x": 1})[:-1],               # no STOP
    dumps({"x": 1})[:5],                # cut mid-opcode
    b"\x80\x02\xff.",                   # unknown opcode
    b"\x80\x02u.",                      # SETITEMS with no mark
    b"",                                # empty pickle
    b"\x80\x02h\x05.",                  # BINGET of a memo slot never set
])
def test_refuses_malformed_pickle(tmp_path, pickle_bytes):
    path = write_pt(tmp_path / "m.pt", pickle_bytes=pickle_bytes)
    refused(path, "malformed pickle in data.pkl")


@pytest.mark.parametrize("module, name", [
    ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "getattr"),
    ("subprocess", "Popen"), ("numpy", "frombuffer"), ("torch", "load"), ("torch._utils", "_rebuild_qtensor"),
    ("copyreg", "_reconstructor"), ("collections", "Counter"),
])
def test_refuses_globals_outside_the_allow_list(tmp_path, module, name):
    obj = {"x": Call(G(module, name), ("echo pwned > /tmp/pwned",))}
    message = refused(write_pt(tmp_path / "evil.pt", obj), f"pickle asks for {module}.{name}; refused")
    assert message.count("\n") == 0


def test_refuses_globals_by_stack_global_too(tmp_path):
    # protocol 4: SHORT_BINUNICODE 'os', SHORT_BINUNICODE 'system', STACK_GLOBAL, args, REDUCE
    code = b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R."
    refused(write_pt(tmp_path / "sg.pt", pickle_bytes=code), "pickle asks for os.system; refused")


def test_refuses_calling_or_mutating_a_stand_in(tmp_path):
    refused(write_pt(tmp_path / "call.pt", {"x": Call(G("torch", "FloatStorage"), (4,))}),
            "malformed pickle", "not callable")
    build = {"x": Raw(b"ctorch\nFloatStorage\n}(X\x05\x00\x00\x00dtypeX\x01\x00\x00\x00Oub")}
    refused(write_pt(tmp_path / "build.pt", build), "malformed pickle")
    assert tp._StorageType("FloatStorage", np.dtype("float32")).dtype == np.float32


@pytest.mark.parametrize("name", ["BFloat16Storage", "ComplexFloatStorage", "QInt8Storage"])
def test_refuses_unknown_storage_dtype(tmp_path, name):
    sd = {"x": tensor("0", (2,), storage=name)}
    refused(write_pt(tmp_path / "dt.pt", sd, {"0": b"\x00" * 8}), f"unsupported storage type torch.{name}")


def test_refuses_missing_short_or_long_storage(tmp_path):
    sd, storages = good_pickle()
    refused(write_pt(tmp_path / "missing.pt", sd, {}), "the archive has no archive/data/0")
    refused(write_pt(tmp_path / "short.pt", sd, {"0": storages["0"][:-1]}), "has 15 bytes, expected 16")
    refused(write_pt(tmp_path / "long.pt", sd, {"0": storages["0"] + b"\0"}),
            "data/0 is 17 bytes, over the 16-byte limit")


@pytest.mark.parametrize("record", [
    ("storage", G("torch", "FloatStorage"), "0", "cpu"),            # too short
    ("module", G("torch", "FloatStorage"), "0", "cpu", 4),          # wrong tag
    ("storage", "FloatStorage", "0", "cpu", 4),                     # type is not a storage type
    ("storage", G("torch", "FloatStorage"), 0, "cpu", 4),           # key not a string
    ("storage", G("torch", "FloatStorage"), "0", "cpu", -4),        # negative numel
    ("storage", G("torch", "FloatStorage"), "0", "cpu", 2**70),     # overflowing numel
])
def test_refuses_malformed_storage_records(tmp_path, record):
    sd = {"x": Call(G("torch._utils", "_rebuild_tensor_v2"), (PersId(record), 0, (4,), (1,), False, {}))}
    refused(write_pt(tmp_path / "rec.pt", sd, {"0": b"\x00" * 16}), "malformed storage record")


def test_refuses_one_storage_with_two_types(tmp_path):
    sd = {"x": tensor("0", (2,)), "y": tensor("0", (1,), storage="DoubleStorage", numel=2)}
    refused(write_pt(tmp_path / "two.pt", sd, {"0": b"\x00" * 8}), "referenced with two types")


@pytest.mark.parametrize("size, stride, offset", [
    ((4,), (1,), 1),          # offset pushes the end past the storage
    ((5,), (1,), 0),          # too many elements
    ((2, 2), (3, 1), 0),      # stride reaches index 4 of 4
    ((2,), (-1,), 3),         # negative stride
    ((2,), (1,), -1),         # negative offset
    ((2,), (2**70,), 0),      # overflowing stride
    ((2, 2), (1,), 0),        # size and stride of different lengths
    ((True, 2), (2, 1), 0),   # a bool is not a size
    ((1,) * 17, (1,) * 17, 0),  # too many dimensions
    ([2, 2], [2, 1], 0),      # lists, not tuples
])
def test_refuses_out_of_bounds_views(tmp_path, size, stride, offset):
    sd = {"x": Call(tensor("0", (4,)).func, tensor("0", (4,)).args[:1] + (offset, size, stride, False, {}))}
    message = refused(write_pt(tmp_path / "oob.pt", sd, {"0": b"\x00" * 16}), "tensor")
    assert "past the end of its storage" in message or "malformed offset, size or stride" in message


def test_refuses_a_tensor_not_built_from_a_storage(tmp_path):
    sd = {"x": Call(G("torch._utils", "_rebuild_tensor_v2"), ("0", 0, (1,), (1,), False, {}))}
    refused(write_pt(tmp_path / "ns.pt", sd), "not a storage")
    sd = {"x": Call(G("torch._utils", "_rebuild_parameter"), ([1.0], False, {}))}
    refused(write_pt(tmp_path / "np.pt", sd), "parameter wraps something that is not a tensor")


@pytest.mark.parametrize("obj, fragment", [
    ([1, 2], "holds a list, not a state dict"),
    ({"x": "not a tensor"}, "entry x is of type str, not a tensor"),
    ({"x": [1.0, 2.0]}, "entry x is of type list, not a tensor"),
    ({1: 2}, "has a key of type int, not a string"),
    ({"model": {"x": 1}}, "entry x is of type int, not a tensor"),
    ({"state_dict": ODict(x=tensor("0", (4,)))}, "has key 'x', not a string starting with 'model.'"),
    ({"x": tensor("0", (4,)), "y": PersId(("storage", G("torch", "FloatStorage"), "0", "cpu", 4))},
     "entry y is of type _Storage, not a tensor"),
])
def test_refuses_what_is_not_a_state_dict(tmp_path, obj, fragment):
    refused(write_pt(tmp_path / "nsd.pt", obj, {"0": b"\x00" * 16}), fragment)


def test_refuses_absurd_containers(tmp_path):
    refused(write_pt(tmp_path / "many.pt", {"x": list(range(tp.MAX_ENTRIES + 1))}), "more than 10000 container")
    # a list that contains itself: EMPTY_LIST, BINPUT 0, BINGET 0, APPEND
    cyclic = {"x": Raw(b"]q\x00h\x00a")}
    refused(write_pt(tmp_path / "cycle.pt", cyclic), "container entries")


def test_refuses_too_many_elements(tmp_path):
    sd = {"x": tensor("0", (2**24, 2**24), (0, 0), numel=1)}  # 2**48 elements from one float
    refused(write_pt(tmp_path / "wide.pt", sd, {"0": b"\x00" * 4}), f"more than {tp.MAX_ELEMENTS} elements")


def test_refuses_a_storage_over_the_byte_budget(tmp_path, monkeypatch):
    sd, storages = encode_state_dict({"x": np.zeros(2**18, np.float32)})  # 1 MiB that deflates to 1 KiB
    path = write_pt(tmp_path / "bomb.pt", sd, storages, compression=zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(tp, "MAX_WEIGHT_FILE_BYTES", 2**16)
    refused(path, "storages add up to more than 65536 bytes")


def test_refuses_an_oversized_pickle(tmp_path):
    path = tmp_path / "hugepkl.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02" + b"N" * tp.MAX_PICKLE_BYTES + b".")
    refused(path, "data.pkl is", f"over the {tp.MAX_PICKLE_BYTES}-byte limit")


def test_refuses_an_oversized_or_missing_file(tmp_path):
    path = tmp_path / "sparse.pt"
    with open(path, "wb") as handle:
        handle.truncate(tp.MAX_WEIGHT_FILE_BYTES + 1)
    refused(path, "over the")
    refused(tmp_path / "absent.pt", "not a readable PyTorch zip")


def nested(depth: int) -> object:
    value: object = None
    for _ in range(depth):
        value = (value,)
    return value


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_nesting_scan_follows_every_protocol(tmp_path, protocol):
    import pickle
    for depth, fragment in ((tp.MAX_NESTING, "entry x is of type tuple"),
                            (tp.MAX_NESTING + 1, f"tuples nested more than {tp.MAX_NESTING} deep")):
        shared = nested(depth - 1)
        data = pickle.dumps({"x": (shared,), "a": [shared, shared], "k": {(1, (2,)): 3}}, protocol)
        refused(write_pt(tmp_path / f"n{protocol}.pt", pickle_bytes=data), fragment)


@pytest.mark.parametrize("code", [
    b"N" + b"\x85" * 100_000,                               # plain deep tuples
    b"N" + b"\x85" * 40 + b"q\x00" + b"0h\x00" + b"\x85" * 30,  # through the memo (BINPUT, POP, BINGET)
    b"N" + b"\x85" * 40 + b"\x94" + b"\x85" * 30,           # through MEMOIZE
    b"N" + b"\x85" * 40 + b"2" + b"\x86" + b"\x85" * 30,    # through DUP
    b"N" + b"\x85" * 40 + b"Nb" + b"\x85" * 30,             # through BUILD (state None keeps the tuple)
    b"(" * 70 + b"N" + b"\x91" * 70,                         # frozensets (FROZENSET)
], ids=["tuples", "memo", "memoize", "dup", "build", "frozensets"])
def test_refuses_tuples_nested_too_deep(tmp_path, code):
    # Hashing a deeply nested tuple (a dict key) crashes CPython; the scan must refuse it first.
    data = b"\x80\x04}" + code + b"Ns."
    refused(write_pt(tmp_path / "deep.pt", pickle_bytes=data), f"tuples nested more than {tp.MAX_NESTING} deep")
