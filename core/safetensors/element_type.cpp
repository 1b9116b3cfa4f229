#include "headscope/core/tensor_view.h"

#include <array>
#include <utility>

namespace headscope {

namespace {
constexpr std::array<std::pair<ElementType, std::string_view>, 10> kNames = {{
    {ElementType::F32, "F32"}, {ElementType::F16, "F16"}, {ElementType::BF16, "BF16"}, {ElementType::F64, "F64"},
    {ElementType::I64, "I64"}, {ElementType::I32, "I32"}, {ElementType::I16, "I16"}, {ElementType::I8, "I8"},
    {ElementType::U8, "U8"},   {ElementType::Bool, "BOOL"},
}};
} // namespace

std::string_view elementTypeName(ElementType type)
{
    for (const auto& [t, name] : kNames) {
        if (t == type)
            return name;
    }
    return "?";
}

std::size_t elementSize(ElementType type)
{
    switch (type) {
    case ElementType::F64:
    case ElementType::I64: return 8;
    case ElementType::F32:
    case ElementType::I32: return 4;
    case ElementType::F16:
    case ElementType::BF16:
    case ElementType::I16: return 2;
    case ElementType::I8:
    case ElementType::U8:
    case ElementType::Bool: return 1;
    }
    return 0;
}

int64_t TensorView::numel() const
{
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

// Used by the header parser; kept next to the name table.
bool elementTypeFromName(std::string_view name, ElementType& out)
{
    for (const auto& [t, n] : kNames) {
        if (n == name) {
            out = t;
            return true;
        }
    }
    return false;
}

} // namespace headscope
