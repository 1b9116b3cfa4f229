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
};

inline constexpr std::array<HookPoint, 11> kAllHookPoints = {
    HookPoint::Embed,   HookPoint::AttnNorm, HookPoint::Q,         HookPoint::K,
    HookPoint::V,       HookPoint::AttnPattern, HookPoint::AttnOut, HookPoint::MlpOut,
    HookPoint::ResidPost, HookPoint::FinalNorm, HookPoint::Logits};

// "embed", "attn_norm", "q", "k", "v", "attn_pattern", "attn_out", "mlp_out",
// "resid_post", "final_norm", "logits".
std::string_view hookName(HookPoint point);
std::optional<HookPoint> hookFromName(std::string_view name);

} // namespace headscope
