#pragma once
// The named hook points of the forward pass. The same strings are HDF5 dataset names
// (see docs/session_format.md) and labels in the views, so a value seen in the GUI can be
// traced to the place in the decoder that produced it.
#include <array>
#include <optional>
#include <string_view>

namespace headscope {

enum class HookPoint {
    Embed,        // [positions, hidden]           token embeddings (× the family's embedding multiplier)
    AttnNorm,     // [positions, hidden]           input_layernorm output
    Q,            // [positions, heads, head_dim]  after q_norm (if any) and RoPE
    K,            // [positions, kv_heads, head_dim] after k_norm (if any) and RoPE, as cached
    V,            // [positions, kv_heads, head_dim]
    AttnPattern,  // [heads, keys]                 softmax row of one scored query, float32, as the
                  //                               model uses it (soft-capped, under its sliding window)
    AttnOut,      // [positions, hidden]           o_proj output as added to the residual (after the
                  //                               post-attention norm where the family has one)
    MlpOut,       // [positions, hidden]           down_proj output as added to the residual
    ResidPost,    // [positions, hidden]           residual stream after the layer
    FinalNorm,    // [positions, hidden]           model.norm output
    Logits,       // [positions, vocab]            after the final soft-cap, if any
    // What each query head writes into the residual stream (docs/algorithms.md §1G): its slice
    // of the attention output through its columns of o_proj, for the scored query. The span
    // version keeps only the part coming from the keys of ForwardObserver::attributionSpan().
    HeadWrite,     // [heads, hidden]              Σ_j a_j v_j through o_proj[:, head]
    HeadWriteSpan, // [heads, hidden]              Σ_{j in span} a_j v_j through o_proj[:, head]
    // After the step's token y is chosen: the direction whose dot product with a residual
    // write gives that write's direct contribution to y's logit — the final norm's scale ⊙
    // lm_head row y ÷ the RMS of the final residual (layer −1).
    TokenReadout,  // [hidden]
};

inline constexpr std::array<HookPoint, 14> kAllHookPoints = {
    HookPoint::Embed,   HookPoint::AttnNorm, HookPoint::Q,         HookPoint::K,
    HookPoint::V,       HookPoint::AttnPattern, HookPoint::AttnOut, HookPoint::MlpOut,
    HookPoint::ResidPost, HookPoint::FinalNorm, HookPoint::Logits, HookPoint::HeadWrite,
    HookPoint::HeadWriteSpan, HookPoint::TokenReadout};

// "embed", "attn_norm", "q", "k", "v", "attn_pattern", "attn_out", "mlp_out",
// "resid_post", "final_norm", "logits", "head_write", "head_write_span", "token_readout".
std::string_view hookName(HookPoint point);
std::optional<HookPoint> hookFromName(std::string_view name);

} // namespace headscope
