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

} // namespace headscope
