#include "headscope/core/hook_names.h"

namespace headscope {

std::string_view hookName(HookPoint point)
{
    switch (point) {
    case HookPoint::Embed: return "embed";
    case HookPoint::AttnNorm: return "attn_norm";
    case HookPoint::Q: return "q";
    case HookPoint::K: return "k";
    case HookPoint::V: return "v";
    case HookPoint::AttnPattern: return "attn_pattern";
    case HookPoint::AttnOut: return "attn_out";
    case HookPoint::MlpOut: return "mlp_out";
    case HookPoint::ResidPost: return "resid_post";
    case HookPoint::FinalNorm: return "final_norm";
    case HookPoint::Logits: return "logits";
    case HookPoint::HeadWrite: return "head_write";
    case HookPoint::HeadWriteSpan: return "head_write_span";
    case HookPoint::TokenReadout: return "token_readout";
    }
    return "unknown";
}

std::optional<HookPoint> hookFromName(std::string_view name)
{
    for (HookPoint p : kAllHookPoints) {
        if (hookName(p) == name)
            return p;
    }
    return std::nullopt;
}

} // namespace headscope
