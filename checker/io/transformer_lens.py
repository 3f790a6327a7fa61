"""A TransformerLens ``HookedTransformerConfig`` dump read as the kernel's ``ModelConfig``.

The input is ``cfg.to_dict()``, as a dict or as JSON written with ``json.dump(cfg.to_dict(), f,
default=str)``. Every field of the config in TransformerLens 1.19, 2.0, 2.11, 2.18 and 3.9 (the
releases read to write this) is accounted for:

- ``READ``: the architecture; each must have the one value (or be an integer size) the kernel
  models: one layer, one head, attention only, no normalization, learned absolute positions,
  causal attention, scores divided by sqrt(d_head). ``attn_scale`` (absent in 1.19 and 2.0, whose
  scale was always sqrt(d_head)) must be the binary64 sqrt(d_head) TransformerLens computes.
- ``MUST_BE_OFF``: switches that change the function of such a model when on (soft caps, sinks,
  local attention, QK norms, grouped or quantized weights, ...): each must have its off value.
- ``IGNORED``: fields that cannot change the function the kernel certifies, each with why.

Contract of ``read_config(raw, where)``: a ``ModelConfig`` equal to the one the weights' shapes
give for such a model, or ``Unusable`` with a one-line reason naming ``where`` and the field.
Unknown fields are refused (a newer TransformerLens may mean something this reader cannot see).
"""

from __future__ import annotations

import math

from compact_proofs.checker.errors import Unusable

READ = ("n_ctx", "d_vocab", "d_vocab_out", "d_model", "d_head", "n_heads", "n_layers", "attn_only",
        "normalization_type", "positional_embedding_type", "attention_dir", "use_attn_scale", "attn_scale")
SIZES = ("n_ctx", "d_vocab", "d_vocab_out", "d_model", "d_head")
FIXED = {"n_heads": 1, "n_layers": 1, "attn_only": True, "normalization_type": None,
         "positional_embedding_type": "standard", "attention_dir": "causal", "use_attn_scale": True}

MUST_BE_OFF = {  # switches that change the function when on, and their off value
    **dict.fromkeys(("n_key_value_heads", "attn_types", "clip_qkv", "quantization_method",
                     "original_architecture"), None),
    **dict.fromkeys(("use_local_attn", "use_qk_norm", "use_logn_attn", "use_attention_sinks", "load_in_4bit",
                     "scale_attn_by_inverse_layer_idx", "post_embedding_ln", "final_rms", "uses_rms_norm",
                     "use_normalization_before_and_after"), False),
}
SOFT_CAPS = ("attn_scores_soft_cap", "output_logits_soft_cap")  # off when <= 0 (TransformerLens default -1)
IGNORED = {  # field -> why it cannot change the certified function
    "only with an MLP (attn_only)": ("d_mlp", "act_fn", "gated_mlp", "num_experts", "experts_per_token",
                                     "norm_topk_prob", "parallel_attn_mlp", "use_hook_mlp_in"),
    "only with normalization (normalization_type None)": ("eps", "layer_norm_folding"),
    "only with rotary or relative positions (positional_embedding_type 'standard')": (
        "rotary_dim", "rotary_base", "rotary_base_local", "rotary_adjacent_pairs", "rotary_scaling_factor",
        "use_NTK_by_parts_rope", "NTK_by_parts_factor", "NTK_by_parts_low_freq_factor",
        "NTK_by_parts_high_freq_factor", "NTK_original_ctx_len", "use_dynamic_ntk_rope", "use_yarn_rope",
        "yarn_factor", "yarn_attention_factor", "yarn_beta_fast", "yarn_beta_slow",
        "yarn_original_max_position_embeddings", "yarn_truncate", "yarn_global_attn_only",
        "relative_attention_max_distance", "relative_attention_num_buckets"),
    "only with rotary positions or use_logn_attn": ("train_seq_length",),
    "only with local attention (use_local_attn False)": ("window_size",),
    "only with grouped-query attention (n_key_value_heads None)": ("ungroup_grouped_query_attention",),
    "only in encoder-decoder models": ("decoder_start_token_id",),
    "the tensors are read as stored": ("tie_word_embeddings", "dtype"),
    "hook points and input plumbing only": ("use_attn_result", "use_split_qkv_input", "use_attn_in",
                                            "use_hook_tokens"),
    "initialisation only": ("init_mode", "init_weights", "initializer_range", "seed"),
    "device placement only": ("device", "n_devices", "trust_remote_code"),
    "names, tokenizer and checkpoint bookkeeping": (
        "model_name", "tokenizer_name", "tokenizer_prepends_bos", "default_prepend_bos", "from_checkpoint",
        "checkpoint_index", "checkpoint_label_type", "checkpoint_value", "n_params"),
}
IGNORED_FIELDS = frozenset(name for names in IGNORED.values() for name in names)


def read_config(raw: dict, where: str) -> dict:
    """The kernel's config fields (``ModelConfig(**result)``) from a TransformerLens config dict."""
    unknown = sorted(set(raw) - set(READ) - set(MUST_BE_OFF) - set(SOFT_CAPS) - IGNORED_FIELDS, key=str)
    missing = [name for name in READ if name not in raw and name != "attn_scale"]
    if unknown or missing:
        raise Unusable(f"{where}: model config is neither this project's nor a TransformerLens cfg.to_dict() "
                       f"dump: unknown fields {unknown}, missing fields {missing}")
    for name in SIZES:
        if type(raw[name]) is not int or not 1 <= raw[name] <= 4096:
            raise Unusable(f"{where}: TransformerLens config field {name} must be an integer in [1, 4096]")
    for name, value in FIXED.items():
        if raw[name] != value or type(raw[name]) is not type(value):
            raise Unusable(f"{where}: unsupported TransformerLens config: {name}={raw[name]!r} (need {value!r})")
    scale = raw.get("attn_scale", math.sqrt(raw["d_head"]))
    if not _is_number(scale) or scale != math.sqrt(raw["d_head"]):
        raise Unusable(f"{where}: unsupported TransformerLens config: attn_scale={scale!r} "
                       f"(need sqrt(d_head) = {math.sqrt(raw['d_head'])!r})")
    for name, off in MUST_BE_OFF.items():
        if name in raw and raw[name] is not off:
            raise Unusable(f"{where}: unsupported TransformerLens config: {name}={raw[name]!r} (need {off})")
    for name in SOFT_CAPS:
        if name in raw and (not _is_number(raw[name]) or raw[name] > 0):
            raise Unusable(f"{where}: unsupported TransformerLens config: {name}={raw[name]!r} "
                           "(need <= 0: no soft cap)")
    return {name: raw[name] for name in SIZES}


def _is_number(value: object) -> bool:
    """An int or float (numpy's float64 included), not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
