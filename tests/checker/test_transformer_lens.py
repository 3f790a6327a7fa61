"""checker.io.transformer_lens and models written by real TransformerLens.

``tests/data/transformer_lens/v{2.18,3.9}/`` hold one tiny model each, written by TransformerLens
2.18.0 (whose causal ``mask`` buffer is stored in full) and 3.9.0 (whose ``mask`` is stored empty)
with torch 2.13.0 (CPU), in throwaway virtual environments outside the repository (``pip install
torch==2.13.0`` then ``pip install transformer_lens==X``; 2.18 also needed ``pyarrow<20`` for its
numpy 1.26). Each folder was made by ``python make.py FOLDER`` with this script:

    import json, sys
    import numpy as np, safetensors.torch, torch
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    out = sys.argv[1]
    torch.manual_seed(0)
    cfg = HookedTransformerConfig(n_layers=1, n_heads=1, d_model=8, d_head=8, n_ctx=3, d_vocab=8,
                                  attn_only=True, normalization_type=None, act_fn=None, seed=0)
    model = HookedTransformer(cfg)
    for name, p in model.named_parameters():
        p.requires_grad_(not name.split(".")[-1].startswith("b_"))  # biases stay zero
    tokens = torch.cartesian_prod(*[torch.arange(8)] * 3)           # all 8^3 inputs, in order
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for step in range(300):
        loss = torch.nn.functional.cross_entropy(model(tokens)[:, -1], tokens.max(-1).values)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        logits = model(tokens)[:, -1]
    print(f"loss {loss.item():.4f}, correct {(logits.argmax(-1) == tokens.max(-1).values).sum().item()} of 512")
    torch.save(model.state_dict(), f"{out}/tiny.pt")
    safetensors.torch.save_file(model.state_dict(), f"{out}/tiny.safetensors")
    with open(f"{out}/tiny.config.json", "w") as f:
        json.dump(model.cfg.to_dict(), f, indent=1, default=str)
    np.save(f"{out}/tiny.logits.npy", logits.numpy())

Both printed ``loss 0.0047, correct 511 of 512``. ``tiny.logits.npy`` is TransformerLens's own
last-position logits for every input, the reference for the function the kernel certifies.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io import transformer_lens as tl
from compact_proofs.checker.io.weights import ModelConfig, load_model, read_config
from compact_proofs.training.accuracy import Circuits, exact_accuracy

DATA = Path(__file__).resolve().parents[1] / "data" / "transformer_lens"
VERSIONS = ("v2.18", "v3.9")
TINY = ModelConfig(n_ctx=3, d_vocab=8, d_vocab_out=8, d_model=8, d_head=8)


def dump(version: str = "v3.9", **changes: object) -> dict:
    """A real ``cfg.to_dict()`` dump, with fields changed (or removed, for the value ``...``)."""
    raw = {**json.loads((DATA / version / "tiny.config.json").read_text()), **changes}
    return {k: v for k, v in raw.items() if v is not ...}


# ---- the real files ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_safetensors_pt_and_config_load_to_one_digest(tmp_path, version):
    for name in ("tiny.pt", "tiny.safetensors"):
        shutil.copy(DATA / version / name, tmp_path / name)
    bare = [load_model(tmp_path / name) for name in ("tiny.pt", "tiny.safetensors")]
    for name in ("tiny.pt", "tiny.safetensors"):
        shutil.copy(DATA / version / "tiny.config.json", tmp_path / f"{name}.config.json")
    stated = [load_model(tmp_path / name) for name in ("tiny.pt", "tiny.safetensors")]
    assert len({m.digest for m in bare + stated}) == 1
    assert [m.config_source for m in bare + stated] == ["shapes"] * 2 + ["sidecar:transformer_lens"] * 2
    assert {m.config for m in bare + stated} == {TINY}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_kernels_function_is_transformer_lens_forward_pass(version):
    """The float64 last-position circuits of the loaded weights give TransformerLens's own
    margins (to float32 rounding) and the same count of correct inputs."""
    model = load_model(DATA / version / "tiny.safetensors")
    logits = np.load(DATA / version / "tiny.logits.npy").astype(np.float64)
    tokens = np.array(list(itertools.product(range(8), repeat=3)))
    best = logits[np.arange(len(tokens)), tokens.max(axis=1)]
    others = logits.copy()
    others[np.arange(len(tokens)), tokens.max(axis=1)] = -np.inf
    reference = best - others.max(axis=1)
    np.testing.assert_allclose(Circuits.from_tensors(model.tensors).margins(tokens), reference, atol=1e-4)
    assert exact_accuracy(model.tensors)["correct"] == int((reference > 0).sum()) == 511


def test_every_field_of_the_real_dumps_is_accounted_for():
    known = set(tl.READ) | set(tl.MUST_BE_OFF) | set(tl.SOFT_CAPS) | tl.IGNORED_FIELDS
    for version in VERSIONS:
        assert set(dump(version)) <= known
    assert not (set(tl.READ) | set(tl.MUST_BE_OFF) | set(tl.SOFT_CAPS)) & tl.IGNORED_FIELDS


# ---- reading a dump ---------------------------------------------------------------------------

def test_a_dump_reads_as_the_kernels_config():
    assert read_config(dump(), "c.json") == (TINY, ":transformer_lens")
    assert read_config(dump("v2.18"), "c.json") == (TINY, ":transformer_lens")
    assert read_config(dump(attn_scale=...), "c.json")[0] == TINY  # as in TransformerLens 1.19 and 2.0
    assert read_config(dump(d_mlp=4096, act_fn="gelu", seed=None, device="cuda", dtype="torch.float64",
                            attn_scores_soft_cap=0, window_size=3), "c.json")[0] == TINY


@pytest.mark.parametrize("changes, fragment", [
    ({"positional_embedding_type": "shortformer"}, "positional_embedding_type='shortformer' (need 'standard')"),
    ({"positional_embedding_type": "rotary"}, "positional_embedding_type='rotary' (need 'standard')"),
    ({"normalization_type": "LN"}, "normalization_type='LN' (need None)"),
    ({"normalization_type": "LNPre"}, "normalization_type='LNPre' (need None)"),
    ({"attention_dir": "bidirectional"}, "attention_dir='bidirectional' (need 'causal')"),
    ({"attn_only": False}, "attn_only=False (need True)"),
    ({"n_heads": 2}, "n_heads=2 (need 1)"),
    ({"n_layers": 2}, "n_layers=2 (need 1)"),
    ({"use_attn_scale": False}, "use_attn_scale=False (need True)"),
    ({"attn_scale": 8.0}, "attn_scale=8.0 (need sqrt(d_head) = 2.8284271247461903)"),
    ({"attn_scale": math.sqrt(8) * (1 + 2**-52)}, "attn_scale=2.8284271247461907"),
    ({"attn_scale": "sqrt(d_head)"}, "attn_scale='sqrt(d_head)'"),
    ({"attn_scores_soft_cap": 50.0}, "attn_scores_soft_cap=50.0 (need <= 0: no soft cap)"),
    ({"output_logits_soft_cap": 30.0}, "output_logits_soft_cap=30.0"),
    ({"n_key_value_heads": 1}, "n_key_value_heads=1 (need None)"),
    ({"use_local_attn": True}, "use_local_attn=True (need False)"),
    ({"attn_types": ["local"]}, "attn_types=['local'] (need None)"),
    ({"use_attention_sinks": True}, "use_attention_sinks=True (need False)"),
    ({"scale_attn_by_inverse_layer_idx": True}, "scale_attn_by_inverse_layer_idx=True"),
    ({"post_embedding_ln": True}, "post_embedding_ln=True (need False)"),
    ({"load_in_4bit": True}, "load_in_4bit=True (need False)"),
    ({"original_architecture": "OlmoeForCausalLM"}, "original_architecture='OlmoeForCausalLM' (need None)"),
    ({"d_vocab": 0}, "field d_vocab must be an integer in [1, 4096]"),
    ({"n_ctx": 3.0}, "field n_ctx must be an integer in [1, 4096]"),
    ({"d_head": ...}, "missing fields ['d_head']"),
    ({"use_attn_scale": ...}, "missing fields ['use_attn_scale']"),
    ({"use_flash_attention": True}, "unknown fields ['use_flash_attention']"),
])
def test_refuses_what_the_kernel_does_not_model(changes, fragment):
    with pytest.raises(Unusable) as info:
        read_config(dump(**changes), "my.config.json")
    message = str(info.value)
    assert message.startswith("my.config.json: ") and "\n" not in message and fragment in message, message


@pytest.mark.parametrize("name", sorted(tl.MUST_BE_OFF))
def test_refuses_every_switch_that_is_on(name):
    on = True if tl.MUST_BE_OFF[name] is False else 1
    with pytest.raises(Unusable, match=rf"^c.json: unsupported TransformerLens config: {name}={on!r} "
                                       rf"\(need {tl.MUST_BE_OFF[name]}\)$"):
        read_config(dump(**{name: on}), "c.json")
    assert read_config(dump(**{name: tl.MUST_BE_OFF[name]}), "c.json")[0] == TINY


def test_a_refused_sidecar_is_named(tmp_path):
    shutil.copy(DATA / "v3.9" / "tiny.pt", tmp_path / "m.pt")
    sidecar = tmp_path / "m.pt.config.json"
    sidecar.write_text(json.dumps(dump(positional_embedding_type="shortformer")))
    with pytest.raises(Unusable, match=rf"^{sidecar}: unsupported TransformerLens config: positional_embedding_type"):
        load_model(tmp_path / "m.pt")
