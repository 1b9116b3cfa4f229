#include "headscope/engine/engine.h"

namespace headscope {

std::string_view deviceName(Device device)
{
    return device == Device::Cuda ? "cuda" : "cpu";
}

std::string_view dtypeName(DType dtype)
{
    return dtype == DType::BF16 ? "bf16" : "f32";
}

DType defaultComputeDtype(const ModelConfig& config, ElementType stored)
{
    const std::string& t = config.torchDtype;
    if (t == "float32" || t == "float")
        return DType::F32;
    if (t == "bfloat16" || t == "float16" || t == "half")
        return DType::BF16;
    return stored == ElementType::F32 ? DType::F32 : DType::BF16;
}

} // namespace headscope
