"""checker.weights.load_model: round trips through safetensors and torch .pt agree on tensors and
digest, the digest names the numbers and nothing else, and every bad input is refused with a
one-line Unusable naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.weights import (MAX_WEIGHT_FILE_BYTES, SAFETENSORS_FORMAT, ModelConfig, load_model,
                                               load_state_dict, model_digest, tensor_shapes, validate)
from tests.checker.test_torch_pickle import G, Call, encode_state_dict, tensor, write_pt
from compact_proofs.training.export import save_model

TINY = ModelConfig(n_ctx=3, d_vocab=6, d_vocab_out=5, d_model=4, d_head=2)
REAL = ModelConfig(n_ctx=4, d_vocab=64, d_vocab_out=64, d_model=32, d_head=32)
BUFFERS = ("blocks.0.attn.mask", "blocks.0.attn.IGNORE")


def weights(config: ModelConfig = TINY, seed: int = 0) -> dict[str, np.ndarray]:
    """Random float32 tensors of the config's shapes, every bias zero."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in tensor_shapes(config).items():
        is_bias = name.split(".")[-1].startswith("b_")
        out[name] = np.zeros(shape, np.float32) if is_bias else rng.standard_normal(shape).astype(np.float32)
    return out


def with_buffers(tensors: dict[str, np.ndarray], config: ModelConfig = TINY) -> dict[str, np.ndarray]:
    """``tensors`` plus the TransformerLens buffers the loader must set aside."""
    return {**tensors, "blocks.0.attn.mask": np.tril(np.ones((config.n_ctx,) * 2, bool)),
            "blocks.0.attn.IGNORE": np.array(-1e5, np.float32)}


def config_json(config: ModelConfig = TINY, **changes: object) -> str:
    """The config as JSON, with fields changed (or removed, for the value ``...``)."""
    raw = {**config.to_dict(), **changes}
    return json.dumps({k: v for k, v in raw.items() if v is not ...})


def write_st(path: Path, tensors: dict[str, np.ndarray], config: str | None = None,
             metadata: dict[str, str] | None = None) -> Path:
    """Write ``tensors`` to safetensors as given (unvalidated), config JSON in the metadata."""
    meta = {"format": SAFETENSORS_FORMAT, "config": config or config_json()} if metadata is None else metadata
    save_file({k: np.array(v, order="C") for k, v in tensors.items()}, str(path), metadata=meta or None)
    return path


def write_tl(path: Path, tensors: dict[str, np.ndarray], wrap: str = "plain") -> Path:
    """Write ``tensors`` as a TransformerLens state dict in torch's zip format."""
    sd, storages = encode_state_dict(tensors)
    obj = {"plain": sd, "model": {"model": sd},
           "lightning": {"epoch": 1, "global_step": 40, "state_dict": {"model." + k: v for k, v in sd.items()},
                         "optimizer_states": [{"state": {}, "param_groups": [{"lr": 0.001}]}]}}[wrap]
    return write_pt(path, obj, storages)


def refused(path: Path, *fragments: str) -> str:
    """Assert load_model(path) raises a one-line Unusable naming the file and each fragment."""
    with pytest.raises(Unusable) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def assert_same(model, tensors: dict[str, np.ndarray]) -> None:
    assert sorted(model.tensors) == sorted(tensor_shapes(model.config))
    for name, array in model.tensors.items():
        assert array.dtype == np.float32 and not array.flags.writeable
        np.testing.assert_array_equal(array, tensors[name])


# ---- round trips and the digest ------------------------------------------------------------

@pytest.mark.parametrize("config", [TINY, REAL], ids=["tiny", "real"])
def test_save_model_round_trip(tmp_path, config):
    tensors = weights(config)
    saved = save_model(tmp_path / "m.safetensors", config, tensors)
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.config == config and loaded.digest == saved.digest
    assert loaded.digest.startswith("sha256:") and len(loaded.digest) == 71
    assert_same(loaded, tensors)


@pytest.mark.parametrize("config", [TINY, REAL], ids=["tiny", "real"])
@pytest.mark.parametrize("wrap, suffix", [("plain", ".pt"), ("model", ".pth"), ("lightning", ".ckpt")])
def test_transformer_lens_pt_matches_safetensors(tmp_path, config, wrap, suffix):
    tensors = weights(config, seed=1)
    saved = save_model(tmp_path / "m.safetensors", config, tensors)
    loaded = load_model(write_tl(tmp_path / f"m{suffix}", with_buffers(tensors, config), wrap))
    assert loaded.config == config and loaded.digest == saved.digest
    assert_same(loaded, tensors)


def test_pt_with_a_sidecar_config(tmp_path):
    tensors = weights()
    path = write_tl(tmp_path / "m.pt", tensors)
    Path(str(path) + ".config.json").write_text(config_json())
    assert load_model(path).digest == validate(TINY, tensors, "x").digest


def test_digest_ignores_key_order_and_metadata(tmp_path):
    tensors = weights()
    reordered = dict(reversed(list(tensors.items())))
    digest = validate(TINY, tensors, "a").digest
    assert model_digest(TINY, reordered) == digest == validate(TINY, reordered, "b").digest
    files = [write_st(tmp_path / "a.safetensors", tensors),
             write_st(tmp_path / "b.safetensors", reordered,
                      metadata={"format": SAFETENSORS_FORMAT, "config": config_json(), "note": "x"}),
             write_st(tmp_path / "c.safetensors", tensors, metadata={}),  # config inferred from shapes
             write_st(tmp_path / "d.safetensors", tensors, metadata={"producer": "elsewhere"})]
    assert {load_model(f).digest for f in files} == {digest}
    assert {load_model(f).source for f in files} == {str(f) for f in files}


def test_digest_changes_with_one_ulp_or_a_swap(tmp_path):
    tensors = weights()
    digest = validate(TINY, tensors, "a").digest
    for name in ("embed.W_E", "blocks.0.attn.W_O", "unembed.W_U"):
        bumped = {k: v.copy() for k, v in tensors.items()}
        flat = bumped[name].reshape(-1)
        flat[3] = np.nextafter(flat[3], np.float32(np.inf))
        assert validate(TINY, bumped, "b").digest != digest
    swapped = {**tensors, "blocks.0.attn.W_Q": tensors["blocks.0.attn.W_K"],
               "blocks.0.attn.W_K": tensors["blocks.0.attn.W_Q"]}
    assert validate(TINY, swapped, "c").digest != digest


# ---- refusals: the tensors ------------------------------------------------------------------

def broken(kind: str) -> dict[str, np.ndarray]:
    t = weights()
    if kind == "missing":
        del t["blocks.0.attn.W_V"]
    elif kind == "extra":
        t["blocks.0.attn.W_X"] = np.zeros((1, 4, 2), np.float32)
    elif kind == "shape":
        t["blocks.0.attn.W_K"] = np.zeros((1, 4, 3), np.float32)
    elif kind in ("nan", "inf", "-inf"):
        t["pos_embed.W_pos"][1, 2] = float(kind)
    elif kind == "bias":
        t["blocks.0.attn.b_Q"][0, 1] = 2.0**-20
    elif kind == "layernorm":
        t["ln_final.w"], t["ln_final.b"] = np.ones(4, np.float32), np.zeros(4, np.float32)
    elif kind == "mlp":
        t["blocks.0.mlp.W_in"] = np.zeros((4, 16), np.float32)
    elif kind == "layers":
        t["blocks.1.attn.W_Q"] = np.zeros((1, 4, 2), np.float32)
    elif kind in ("float64", "float16"):
        t["embed.W_E"] = t["embed.W_E"].astype(kind)
    return t


REFUSALS = {
    "missing": "missing tensors ['blocks.0.attn.W_V']",
    "extra": "unexpected tensors ['blocks.0.attn.W_X']",
    "shape": "tensor blocks.0.attn.W_K has shape (1, 4, 3), expected (1, 4, 2)",
    "nan": "tensor pos_embed.W_pos contains NaN or infinite values",
    "inf": "tensor pos_embed.W_pos contains NaN or infinite values",
    "-inf": "tensor pos_embed.W_pos contains NaN or infinite values",
    "bias": "bias blocks.0.attn.b_Q is non-zero",
    "layernorm": "unsupported architecture: LayerNorm (key 'ln_final.",
    "mlp": "unsupported architecture: MLP (key 'blocks.0.mlp.W_in')",
    "layers": "unsupported architecture: more than one layer",
    "float64": "tensor embed.W_E has dtype F64; only F32 is supported",
    "float16": "tensor embed.W_E has dtype F16; only F32 is supported",
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_refuses_bad_tensors_in_safetensors(tmp_path, kind):
    refused(write_st(tmp_path / f"{kind}.safetensors", broken(kind)), REFUSALS[kind])


@pytest.mark.parametrize("kind", REFUSALS)
def test_refuses_bad_tensors_in_pt(tmp_path, kind):
    expected = {"float64": "tensor embed.W_E has dtype float64; only float32 is supported",
                "float16": "tensor embed.W_E has dtype float16; only float32 is supported",
                "shape": "tensor blocks.0.attn.W_K has shape (1, 4, 3), expected (1, 4, 2)"}
    refused(write_tl(tmp_path / f"{kind}.pt", with_buffers(broken(kind))), expected.get(kind, REFUSALS[kind]))


def test_refuses_a_pt_whose_shapes_give_no_config(tmp_path):
    t = weights()
    t["blocks.0.attn.W_Q"] = np.zeros((), np.float32)
    refused(write_tl(tmp_path / "q.pt", t), "cannot infer the model config")
    t = weights()
    t["pos_embed.W_pos"] = np.zeros((0, 4), np.float32)
    refused(write_tl(tmp_path / "z.pt", t), "n_ctx must be an integer in [1, 4096]")


# ---- refusals: the files ---------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
@pytest.mark.parametrize("data", [b"", b"\x00\x01garbage\xff" * 64, b"\xff" * 8 + b"{}"],
                         ids=["empty", "garbage", "huge-header"])
def test_refuses_unreadable_files(tmp_path, suffix, data):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data)
    refused(path, "not a readable")


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_refuses_truncated_files(tmp_path, suffix):
    good = tmp_path / f"good{suffix}"
    save_model(good, TINY, weights()) if suffix == ".safetensors" else write_tl(good, weights())
    data = good.read_bytes()
    for cut in (8, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{cut}{suffix}"
        path.write_bytes(data[:cut])
        refused(path, "not a readable")


@pytest.mark.parametrize("module, name", [("os", "system"), ("builtins", "eval"), ("builtins", "exec")])
def test_refuses_a_pt_that_asks_for_code(tmp_path, module, name):
    sd, storages = encode_state_dict(weights())
    sd["embed.W_E"] = Call(G(module, name), ("__import__('os').system('touch /tmp/pwned')",))
    refused(write_pt(tmp_path / "evil.pt", sd, storages), f"pickle asks for {module}.{name}; refused")


def test_refuses_a_pt_with_a_missing_or_short_storage(tmp_path):
    sd, storages = encode_state_dict(weights())
    del storages["0"]
    refused(write_pt(tmp_path / "missing.pt", sd, storages), "the archive has no archive/data/0")
    sd, storages = encode_state_dict(weights())
    storages["3"] = storages["3"][:-4]
    refused(write_pt(tmp_path / "short.pt", sd, storages), "has 28 bytes, expected 32")


@pytest.mark.parametrize("offset, stride", [(1, (4, 1)), (0, (5, 1)), (0, (4, 2)), (24, (0, 0))])
def test_refuses_a_pt_with_an_out_of_bounds_view(tmp_path, offset, stride):
    sd, storages = encode_state_dict(weights())
    sd["embed.W_E"] = tensor("0", (6, 4), stride, offset=offset, numel=24)
    refused(write_pt(tmp_path / "oob.pt", sd, storages), "reaches past the end of its storage")


@pytest.mark.parametrize("name", ["m.npz", "m.bin", "m", "m.PT", "m.safetensors.json"])
def test_refuses_unknown_suffixes(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x00" * 16)
    refused(path, "unknown weight file type")


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_refuses_missing_and_oversized_files(tmp_path, suffix):
    refused(tmp_path / f"absent{suffix}", "weight file not found")
    path = tmp_path / f"sparse{suffix}"
    with open(path, "wb") as handle:
        handle.truncate(MAX_WEIGHT_FILE_BYTES + 1)
    refused(path, f"over the {MAX_WEIGHT_FILE_BYTES}-byte limit")


# ---- refusals: the config --------------------------------------------------------------------

@pytest.mark.parametrize("config, fragment", [
    ("{not json", "not valid JSON"),
    ("[" * 100_000, "not valid JSON"),
    ("[4, 6, 5, 4, 2]", "model config is not a JSON object"),
    (config_json(d_head=...), "missing fields ['d_head']"),
    (config_json(d_mlp=16), "unknown fields ['d_mlp']"),
    (config_json(n_ctx="3"), "n_ctx must be an integer in [1, 4096]"),
    (config_json(d_model=4.0), "d_model must be an integer in [1, 4096]"),
    (config_json(d_vocab=True), "d_vocab must be an integer in [1, 4096]"),
    (config_json(d_vocab=0), "d_vocab must be an integer in [1, 4096]"),
    (config_json(d_vocab_out=5000), "d_vocab_out must be an integer in [1, 4096]"),
    (config_json(normalization_type="LN"), "a normalized (LayerNorm) model"),
    (config_json(attn_only=False), "a model with an MLP"),
    (config_json(n_layers=2), "n_layers=2"),
    (config_json(n_heads=True), "n_heads=True"),
    (config_json(attention_dir="bidirectional"), "attention_dir='bidirectional'"),
    (config_json(d_model=8), "tensor embed.W_E has shape (6, 4), expected (6, 8)"),
])
def test_refuses_bad_config_metadata(tmp_path, config, fragment):
    refused(write_st(tmp_path / "c.safetensors", weights(), config=config), fragment)


@pytest.mark.parametrize("text, fragment", [
    ("{not json", "unreadable model config sidecar"),
    ("{" * 100_000, "unreadable model config sidecar"),
    (config_json(d_head=...), "missing fields ['d_head']"),
])
def test_refuses_a_bad_sidecar_config(tmp_path, text, fragment):
    path = write_tl(tmp_path / "m.pt", weights())
    sidecar = Path(str(path) + ".config.json")
    sidecar.write_text(text)
    with pytest.raises(Unusable) as info:
        load_model(path)
    assert str(sidecar) in str(info.value) and fragment in str(info.value)


# ---- the TransformerLens buffers: alike in both readers ------------------------------------

def write_either(path: Path, tensors: dict[str, np.ndarray]) -> Path:
    """``tensors`` as TransformerLens writes them: a bare safetensors file or a torch ``.pt``."""
    return write_st(path, tensors, metadata={}) if path.suffix == ".safetensors" else write_tl(path, tensors)


CAUSAL = np.tril(np.ones((TINY.n_ctx,) * 2, bool))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
@pytest.mark.parametrize("mask, ignore", [
    (CAUSAL, np.array(-np.inf, np.float32)),               # TransformerLens 2
    (np.zeros((0, 0), bool), np.array(-np.inf, np.float32)),  # TransformerLens 3: built at run time
    (CAUSAL.astype(np.float32), np.array(-1e5, np.float64)),  # any dtype, IGNORE any scalar
    (CAUSAL.astype(np.int64), np.array(7.0, np.float16)),
    (None, None),
], ids=["bool", "empty", "float", "int", "absent"])
def test_accepts_the_buffers_that_agree_with_the_kernel(tmp_path, suffix, mask, ignore):
    tensors = weights()
    buffers = {k: v for k, v in (("blocks.0.attn.mask", mask), ("blocks.0.attn.IGNORE", ignore)) if v is not None}
    model = load_model(write_either(tmp_path / f"m{suffix}", {**tensors, **buffers}))
    assert model.digest == validate(TINY, tensors, "x").digest and model.config_source == "shapes"
    assert sorted(model.tensors) == sorted(tensor_shapes(TINY))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
@pytest.mark.parametrize("buffer, value, fragment", [
    ("blocks.0.attn.mask", np.ones((3, 3), bool), "neither empty nor the causal mask of n_ctx=3"),
    ("blocks.0.attn.mask", np.tril(np.ones((4, 4), bool)), "(shape (4, 4)) is neither empty nor the causal"),
    ("blocks.0.attn.mask", np.tril(np.ones((3, 3), np.float32)) * 2, "neither empty nor the causal mask"),
    ("blocks.0.attn.mask", np.eye(3, dtype=bool), "only causal attention is supported"),
    ("blocks.0.attn.IGNORE", np.full((1,), -1e5, np.float32), "has shape (1,), expected a scalar"),
], ids=["bidirectional", "size", "values", "diagonal", "ignore-shape"])
def test_refuses_buffers_that_disagree(tmp_path, suffix, buffer, value, fragment):
    refused(write_either(tmp_path / f"m{suffix}", {**weights(), buffer: value}), f"buffer {buffer}", fragment)


def test_only_the_two_buffer_names_are_set_aside(tmp_path):
    tensors = {**weights(), "unembed.mask": np.ones(5, bool)}
    refused(write_tl(tmp_path / "m.pt", tensors), "unexpected tensors ['unembed.mask']")


# ---- config sources: TransformerLens sidecars and in-memory state dicts ----------------------

TL_CONFIG = {**{k: getattr(TINY, k) for k in ("n_ctx", "d_vocab", "d_vocab_out", "d_model", "d_head")},
             "n_heads": 1, "n_layers": 1, "attn_only": True, "normalization_type": None,
             "positional_embedding_type": "standard", "attention_dir": "causal", "use_attn_scale": True,
             "attn_scale": 2 ** 0.5, "d_mlp": 16, "act_fn": None, "seed": 0, "device": "cpu"}


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_transformer_lens_sidecar_gives_the_same_digest(tmp_path, suffix):
    tensors = with_buffers(weights())
    path = write_either(tmp_path / f"m{suffix}", tensors)
    Path(str(path) + ".config.json").write_text(json.dumps(TL_CONFIG))
    model = load_model(path)
    assert model.config == TINY and model.config_source == "sidecar:transformer_lens"
    assert model.digest == validate(TINY, weights(), "x").digest


def test_a_transformer_lens_sidecar_that_disagrees_with_the_shapes(tmp_path):
    path = write_tl(tmp_path / "m.pt", weights())
    Path(str(path) + ".config.json").write_text(json.dumps({**TL_CONFIG, "d_model": 8}))
    refused(path, "tensor embed.W_E has shape (6, 4), expected (6, 8)")


def test_in_memory_state_dicts_are_validated_like_files(tmp_path):
    tensors = with_buffers(weights())
    digest = save_model(tmp_path / "m.safetensors", TINY, weights()).digest
    for config, source in [(None, "shapes"), (TINY, "argument"), (TINY.to_dict(), "argument"),
                           (TL_CONFIG, "argument:transformer_lens")]:
        model = load_state_dict(tensors, config)
        assert (model.digest, model.config_source, model.source) == (digest, source, "<state dict>")
    with pytest.raises(Unusable, match=r"^<state dict>: bias blocks.0.attn.b_Q is non-zero"):
        load_state_dict(broken("bias"), TINY)
    with pytest.raises(Unusable, match=r"^<state dict>: tensor embed.W_E is a list, not a numpy array"):
        load_state_dict({**weights(), "embed.W_E": [[0.0] * 4] * 6}, TINY)
    with pytest.raises(Unusable, match=r"^<state dict>: buffer blocks.0.attn.mask is a list, not a numpy array"):
        load_state_dict({**weights(), "blocks.0.attn.mask": [[True]]}, TINY)
    with pytest.raises(Unusable, match=r"buffer blocks.0.attn.mask \(shape \(3, 3\)\) is neither empty nor the"):
        load_state_dict({**weights(), "blocks.0.attn.mask": CAUSAL.astype(object)}, TINY)
    with pytest.raises(Unusable, match=r"unsupported architecture: a key of type int \(key 3\)"):
        load_state_dict({**weights(), 3: np.zeros(1, np.float32)}, TINY)
    with pytest.raises(Unusable, match=r"^<state dict>: a state dict must be a mapping"):
        load_state_dict([("embed.W_E", np.zeros((6, 4), np.float32))])
    with pytest.raises(Unusable, match=r"^<state dict>: cannot infer the model config"):
        load_state_dict({"embed.W_E": "not an array"})
    with pytest.raises(Unusable, match=r"n_ctx must be an integer in \[1, 4096\]"):
        load_state_dict(tensors, ModelConfig(n_ctx=0, d_vocab=6, d_vocab_out=5, d_model=4, d_head=2))
