#pragma once
// A read-only view of one tensor inside a memory-mapped safetensors file. No torch here:
// the engine turns views into tensors (core/engine/model/model_weights.cpp).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class ElementType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };

std::string_view elementTypeName(ElementType type); // safetensors spelling: "F32", "BF16", ...
std::size_t elementSize(ElementType type);

struct TensorView {
    std::string name;
    ElementType dtype = ElementType::F32;
    std::vector<int64_t> shape;
    const std::byte* data = nullptr; // points into the mapping; valid while the owner lives
    std::size_t byteSize = 0;
    std::filesystem::path file;      // which shard it came from, for error messages

    int64_t numel() const;
};

} // namespace headscope
