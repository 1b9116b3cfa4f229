#include "architecture_spec.h"

#include <map>

namespace headscope::arch {

const std::vector<const ArchitectureSpec*>& allSpecs()
{
    static const std::vector<const ArchitectureSpec*> specs = {&llamaSpec(), &mistralSpec(), &qwen2Spec(),
                                                               &qwen3Spec(), &gemma2Spec(),  &gemma3Spec(),
                                                               &gemma3MultimodalSpec(),      &phi3Spec()};
    return specs;
}

const ArchitectureSpec* findByClassName(const std::string& hfClassName)
{
    for (const ArchitectureSpec* spec : allSpecs()) {
        if (spec->hfClassName == hfClassName)
            return spec;
    }
    return nullptr;
}

const ArchitectureSpec& specFor(Architecture architecture)
{
    for (const ArchitectureSpec* spec : allSpecs()) {
        if (spec->architecture == architecture)
            return *spec;
    }
    return llamaSpec();
}

const ArchitectureSpec& specFor(const ModelConfig& config)
{
    const ArchitectureSpec* byName = findByClassName(config.architectureName);
    return byName && byName->architecture == config.architecture ? *byName : specFor(config.architecture);
}

std::string refusalReason(const std::string& hfClassName)
{
    // Classes people reach for next to the supported ones; each differs in the math, so each
    // is refused with the reason rather than loaded approximately.
    static const std::map<std::string, std::string> reasons = {
        {"Qwen3MoeForCausalLM", "mixture-of-experts MLP; the dense Qwen3ForCausalLM is supported"},
        {"Qwen2MoeForCausalLM", "mixture-of-experts MLP; the dense Qwen2ForCausalLM is supported"},
        {"Qwen3NextForCausalLM", "hybrid linear attention and mixture-of-experts MLP"},
        {"MixtralForCausalLM", "mixture-of-experts MLP; MistralForCausalLM is supported"},
        {"PhiMoEForCausalLM", "mixture-of-experts MLP (Phi-3.5-MoE); Phi3ForCausalLM is supported"},
        {"Phi3SmallForCausalLM", "Phi-3-small's block-sparse attention and μP scaling are not implemented"},
        {"PhiForCausalLM", "Phi-1/Phi-2's parallel attention/MLP block with LayerNorm and biases is not implemented"},
        {"Phi4MMForCausalLM", "Phi-4-multimodal's LoRA adapters and audio/vision towers are not implemented"},
        {"GemmaForCausalLM", "Gemma 1 is not implemented (Gemma2ForCausalLM and Gemma3ForCausalLM are)"},
        {"Gemma3nForCausalLM", "Gemma 3n's per-layer embeddings, AltUp and LAuReL blocks are not implemented"},
        {"Gemma3nForConditionalGeneration", "Gemma 3n's per-layer embeddings, AltUp and LAuReL blocks are not implemented"},
        {"Llama4ForCausalLM", "Llama 4's mixture-of-experts MLP and chunked attention are not implemented"},
        {"Llama4ForConditionalGeneration", "Llama 4's mixture-of-experts MLP and chunked attention are not implemented"},
        {"DeepseekV2ForCausalLM", "multi-head latent attention and mixture-of-experts MLP"},
        {"DeepseekV3ForCausalLM", "multi-head latent attention and mixture-of-experts MLP"},
    };
    auto it = reasons.find(hfClassName);
    return it == reasons.end() ? std::string() : it->second;
}

} // namespace headscope::arch
