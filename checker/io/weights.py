"""Exported model weights: the config, the tensors, the canonical digest, and the loaders.

A model is a one-layer, one-head, attention-only transformer in TransformerLens layout. The
kernel reads it as exact dyadic rationals (every float32 is one), so this module's only jobs
are to refuse anything that is not such a model and to name it by a digest that does not
depend on how the file was written.

Contract of ``load_model(path)`` and ``load_state_dict(tensors, config)``: each returns a
``Model`` whose tensors are finite float32 arrays of exactly the shapes ``tensor_shapes(config)``
names, with every bias zero, or raises ``Unusable`` with a one-line reason naming the file (or
``<state dict>``). It never returns anything else.

TransformerLens also stores two buffers, ``blocks.0.attn.mask`` and ``blocks.0.attn.IGNORE``
(the value masked scores get). Whatever their dtype, they are accepted only where they agree with
the function the kernel certifies: the mask must be empty (TransformerLens 3 builds it at run
time) or exactly the causal lower-triangular n_ctx x n_ctx mask, and IGNORE a scalar. They carry
no information beyond the config, so they stay outside the digest: an accepted mask is fixed
by n_ctx, and IGNORE never reaches the kernel's function, which is read at the last position,
where the causal mask masks nothing. A ``.pt`` and a ``.safetensors`` of one model share a digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.transformer_lens import read_config as read_transformer_lens

DIGEST_DOMAIN = b"compact-proofs model digest v1\n"
SAFETENSORS_FORMAT = "compact-proofs/model/1"
MAX_WEIGHT_FILE_BYTES = 256 * 2**20

BIAS_NAMES = ("blocks.0.attn.b_Q", "blocks.0.attn.b_K", "blocks.0.attn.b_V", "blocks.0.attn.b_O",
              "unembed.b_U")
MASK, IGNORE = "blocks.0.attn.mask", "blocks.0.attn.IGNORE"  # TransformerLens buffers (module doc)


@dataclass(frozen=True)
class ModelConfig:
    """The architecture, in TransformerLens's field names. Only one shape family is supported:
    one layer, one head, attention only, no normalization, learned absolute positions, causal
    attention, scores divided by sqrt(d_head)."""

    n_ctx: int
    d_vocab: int
    d_vocab_out: int
    d_model: int
    d_head: int
    n_heads: int = 1
    n_layers: int = 1
    attn_only: bool = True
    normalization_type: None = None
    positional_embedding_type: str = "standard"
    attention_dir: str = "causal"
    attn_scale: str = "sqrt(d_head)"

    FIXED = {"n_heads": 1, "n_layers": 1, "attn_only": True, "normalization_type": None,
             "positional_embedding_type": "standard", "attention_dir": "causal",
             "attn_scale": "sqrt(d_head)"}

    @classmethod
    def from_dict(cls, raw: object, where: str) -> "ModelConfig":
        """Read a config dict strictly: every field present, of the right type, no others."""
        if not isinstance(raw, dict):
            raise Unusable(f"{where}: model config is not a JSON object")
        names = [f for f in cls.__dataclass_fields__]
        missing = [n for n in names if n not in raw]
        extra = sorted(set(raw) - set(names))
        if missing or extra:
            raise Unusable(f"{where}: model config has missing fields {missing} or unknown fields {extra}")
        for name, value in cls.FIXED.items():
            if raw[name] != value or type(raw[name]) is not type(value):
                what = {"normalization_type": "a normalized (LayerNorm) model",
                        "attn_only": "a model with an MLP"}.get(name, f"{name}={raw[name]!r}")
                raise Unusable(f"{where}: unsupported architecture: {what} (need {name}={value!r})")
        for name in ("n_ctx", "d_vocab", "d_vocab_out", "d_model", "d_head"):
            value = raw[name]
            if type(value) is not int or not 1 <= value <= 4096:
                raise Unusable(f"{where}: model config field {name} must be an integer in [1, 4096]")
        return cls(**raw)

    def to_dict(self) -> dict:
        return asdict(self)

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def read_config(raw: object, where: str) -> tuple[ModelConfig, str]:
    """A config given as a dict: this project's own (no fields but ``ModelConfig``'s) or else a
    TransformerLens ``cfg.to_dict()`` dump. Returns it and ``""`` or ``":transformer_lens"``."""
    if not isinstance(raw, dict) or set(raw) <= set(ModelConfig.__dataclass_fields__):
        return ModelConfig.from_dict(raw, where), ""
    return ModelConfig.from_dict(ModelConfig(**read_transformer_lens(raw, where)).to_dict(), where), ":transformer_lens"


def tensor_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The exported tensors and their shapes (TransformerLens names, n_heads = 1)."""
    c = config
    return {
        "embed.W_E": (c.d_vocab, c.d_model),
        "pos_embed.W_pos": (c.n_ctx, c.d_model),
        "blocks.0.attn.W_Q": (1, c.d_model, c.d_head),
        "blocks.0.attn.W_K": (1, c.d_model, c.d_head),
        "blocks.0.attn.W_V": (1, c.d_model, c.d_head),
        "blocks.0.attn.W_O": (1, c.d_head, c.d_model),
        "blocks.0.attn.b_Q": (1, c.d_head),
        "blocks.0.attn.b_K": (1, c.d_head),
        "blocks.0.attn.b_V": (1, c.d_head),
        "blocks.0.attn.b_O": (c.d_model,),
        "unembed.W_U": (c.d_model, c.d_vocab_out),
        "unembed.b_U": (c.d_vocab_out,),
    }


def config_from_shapes(tensors: Mapping[str, np.ndarray], where: str) -> ModelConfig:
    """Infer the config of a state dict that carries none (a TransformerLens ``.pt``)."""
    try:
        d_vocab, d_model = tensors["embed.W_E"].shape
        n_ctx = tensors["pos_embed.W_pos"].shape[0]
        d_head = tensors["blocks.0.attn.W_Q"].shape[-1]
        d_vocab_out = tensors["unembed.W_U"].shape[-1]
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
        raise Unusable(f"{where}: cannot infer the model config from the tensor shapes ({exc})") from None
    return ModelConfig.from_dict(dict(ModelConfig(n_ctx=int(n_ctx), d_vocab=int(d_vocab),
                                                  d_vocab_out=int(d_vocab_out), d_model=int(d_model),
                                                  d_head=int(d_head)).to_dict()), where)


def model_digest(config: ModelConfig, tensors: Mapping[str, np.ndarray]) -> str:
    """sha256 over the domain tag, the canonical config JSON, then every tensor sorted by name
    as ``name NUL dtype NUL shape NUL``, its byte length (8 bytes little-endian) and its C-order
    little-endian bytes. Independent of file format, metadata and key order."""
    h = hashlib.sha256(DIGEST_DOMAIN)
    h.update(config.canonical_json().encode() + b"\n")
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype=np.dtype(tensors[name].dtype).newbyteorder("<"))
        shape = ",".join(str(n) for n in array.shape)
        h.update(f"{name}\0{array.dtype.name}\0{shape}\0".encode())
        data = array.tobytes(order="C")
        h.update(len(data).to_bytes(8, "little") + data)
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class Model:
    """A validated model: config, read-only float32 tensors, and the digest that names them.
    ``config_source`` says where the config came from (informational; it is not digested):
    ``metadata``, ``sidecar`` or ``argument``, then ``:transformer_lens`` for a TransformerLens
    dump, or ``shapes`` when it was inferred from the tensor shapes."""

    config: ModelConfig
    tensors: Mapping[str, np.ndarray]
    digest: str
    source: str
    config_source: str = "argument"

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


def validate(config: ModelConfig, raw: Mapping[str, np.ndarray], where: str,
             config_source: str = "argument") -> Model:
    """Check a tensor dict against the config and freeze it into a ``Model`` (see module doc)."""
    for key in raw:
        what = _unsupported_part(key) if type(key) is str else f"a key of type {type(key).__name__}"
        if what:
            raise Unusable(f"{where}: unsupported architecture: {what} (key {key!r})")
    _check_buffers(config, raw, where)
    tensors = {k: v for k, v in raw.items() if k not in (MASK, IGNORE)}
    shapes = tensor_shapes(config)
    missing = sorted(set(shapes) - set(tensors))
    extra = sorted(set(tensors) - set(shapes))
    if missing:
        raise Unusable(f"{where}: missing tensors {missing}")
    if extra:
        raise Unusable(f"{where}: unexpected tensors {extra}")
    frozen = {}
    for name, shape in shapes.items():
        array = tensors[name]
        if not isinstance(array, np.ndarray):
            raise Unusable(f"{where}: tensor {name} is a {type(array).__name__}, not a numpy array")
        if array.dtype != np.float32:
            raise Unusable(f"{where}: tensor {name} has dtype {array.dtype}; only float32 is supported")
        if array.shape != shape:
            raise Unusable(f"{where}: tensor {name} has shape {array.shape}, expected {shape}")
        if not np.all(np.isfinite(array)):
            raise Unusable(f"{where}: tensor {name} contains NaN or infinite values")
        if name in BIAS_NAMES and np.any(array != 0):
            raise Unusable(f"{where}: bias {name} is non-zero; only bias-free models are supported")
        copy = np.array(array, dtype=np.float32, order="C")
        copy.setflags(write=False)
        frozen[name] = copy
    return Model(config, MappingProxyType(frozen), model_digest(config, frozen), where, config_source)


def _check_buffers(config: ModelConfig, raw: Mapping[str, np.ndarray], where: str) -> None:
    """Refuse TransformerLens buffers that disagree with the certified function (module doc)."""
    for name in (MASK, IGNORE):
        if name in raw and not isinstance(raw[name], np.ndarray):
            raise Unusable(f"{where}: buffer {name} is a {type(raw[name]).__name__}, not a numpy array")
    mask = raw.get(MASK)
    causal = np.tril(np.ones((config.n_ctx, config.n_ctx), bool))
    if mask is not None and mask.size and not (mask.dtype.kind in "biuf" and mask.shape == causal.shape
                                               and np.array_equal(mask, causal)):
        raise Unusable(f"{where}: buffer {MASK} (shape {mask.shape}) is neither empty nor the causal mask "
                       f"of n_ctx={config.n_ctx}; only causal attention is supported")
    if IGNORE in raw and raw[IGNORE].shape != ():
        raise Unusable(f"{where}: buffer {IGNORE} has shape {raw[IGNORE].shape}, expected a scalar")


def _unsupported_part(key: str) -> str | None:
    """Name the architecture a state-dict key belongs to, if the checker does not model it."""
    parts = key.split(".")
    if any(p.startswith("ln") for p in parts):
        return "LayerNorm"
    if "mlp" in parts:
        return "MLP"
    if parts[0] == "blocks" and len(parts) > 1 and parts[1] != "0":
        return "more than one layer"
    return None


def _read_safetensors(path: Path) -> Model:
    from safetensors import safe_open  # imported here: the .pt path must not need it

    try:
        with safe_open(str(path), framework="numpy") as handle:
            metadata = handle.metadata() or {}
            raw = {}
            for name in handle.keys():
                dtype = handle.get_slice(name).get_dtype()
                if dtype != "F32" and name not in (MASK, IGNORE):
                    raise Unusable(f"{path}: tensor {name} has dtype {dtype}; only F32 is supported")
                raw[name] = handle.get_tensor(name)
    except Unusable:
        raise
    except Exception as exc:  # the library's own error types vary across versions
        raise Unusable(f"{path}: not a readable safetensors file ({str(exc).splitlines()[0][:200]})") from None
    if metadata.get("format") != SAFETENSORS_FORMAT or "config" not in metadata:
        return _validate_with_sidecar(path, raw)
    try:
        config = ModelConfig.from_dict(json.loads(metadata["config"]), str(path))
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
        raise Unusable(f"{path}: the config in the safetensors metadata is not valid JSON") from None
    return validate(config, raw, str(path), "metadata")


def _validate_with_sidecar(path: Path, raw: Mapping[str, np.ndarray]) -> Model:
    """Validate the tensors of a file that carries no config against ``<name>.config.json``
    beside it (this project's config or a TransformerLens dump), else the config their shapes give."""
    sidecar = path.with_name(path.name + ".config.json")
    if not sidecar.is_file():
        return validate(config_from_shapes(raw, str(path)), raw, str(path), "shapes")
    if sidecar.stat().st_size > 2**16:
        raise Unusable(f"{sidecar}: unreadable model config sidecar (over 64 KiB)")
    try:
        document = json.loads(sidecar.read_text())
    except (OSError, ValueError, RecursionError):
        raise Unusable(f"{sidecar}: unreadable model config sidecar") from None
    config, kind = read_config(document, str(sidecar))
    return validate(config, raw, str(path), "sidecar" + kind)


def load_state_dict(tensors: Mapping[str, np.ndarray], config: object = None,
                    where: str = "<state dict>") -> Model:
    """Validate an in-memory state dict of numpy arrays (e.g. a TransformerLens model's
    ``{k: v.numpy() for k, v in model.state_dict().items()}``) with ``config``: a ``ModelConfig``,
    a config dict (this project's or a TransformerLens ``cfg.to_dict()``), or None to infer it
    from the shapes. The same checks as a file, the same digest as the same tensors in a file."""
    if not isinstance(tensors, Mapping):
        raise Unusable(f"{where}: a state dict must be a mapping of names to numpy arrays")
    if config is None:
        return validate(config_from_shapes(tensors, where), tensors, where, "shapes")
    if isinstance(config, ModelConfig):
        return validate(ModelConfig.from_dict(config.to_dict(), where), tensors, where)
    config, kind = read_config(config, where)
    return validate(config, tensors, where, "argument" + kind)


def load_model(path: str | os.PathLike) -> Model:
    """Load and validate a model from ``.safetensors`` or a TransformerLens/PyTorch ``.pt``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise Unusable(f"{path}: weight file not found or unreadable") from None
    if not path.is_file():  # a FIFO or device would block or never end
        raise Unusable(f"{path}: not a regular file")
    if size > MAX_WEIGHT_FILE_BYTES:
        raise Unusable(f"{path}: weight file is {size} bytes, over the {MAX_WEIGHT_FILE_BYTES}-byte limit")
    if path.suffix == ".safetensors":
        return _read_safetensors(path)
    if path.suffix in (".pt", ".pth", ".ckpt"):
        from compact_proofs.checker.io.torch_pickle import read_state_dict

        return _validate_with_sidecar(path, read_state_dict(path))
    raise Unusable(f"{path}: unknown weight file type {path.suffix!r} (want .safetensors or .pt)")
