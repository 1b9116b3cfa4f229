#include "headscope/core/allocation_method.h"

#include "headscope/core/errors.h"

#include <array>

namespace headscope {

namespace {

struct MethodNames {
    AllocationMethod method;
    std::string_view name;
    std::string_view label;
};

constexpr std::array<MethodNames, 5> kMethods = {{
    {AllocationMethod::Uniform, "uniform", "Uniform (SnapKV)"},
    {AllocationMethod::Pyramid, "pyramid", "PyramidKV"},
    {AllocationMethod::AdaKv, "adakv", "Ada-KV (split across heads at prefill)"},
    {AllocationMethod::HeadKv, "headkv", "HeadKV"},
    {AllocationMethod::DiliLazyKv, "dililazykv", "DiliLazyKV"},
}};

const MethodNames& entry(AllocationMethod method)
{
    for (const MethodNames& m : kMethods)
        if (m.method == method)
            return m;
    throw UsageError("allocation method " + std::to_string(static_cast<int>(method)) + " has no name");
}

} // namespace

std::string_view allocationMethodName(AllocationMethod method)
{
    return entry(method).name;
}

std::string_view allocationMethodLabel(AllocationMethod method)
{
    return entry(method).label;
}

AllocationMethod parseAllocationMethod(std::string_view name)
{
    for (const MethodNames& m : kMethods)
        if (m.name == name)
            return m.method;
    throw UsageError("unknown allocation method '" + std::string(name) + "'; expected one of: " + allocationMethodNames());
}

std::vector<AllocationMethod> parseAllocationMethods(std::string_view commaList)
{
    std::vector<AllocationMethod> out;
    std::size_t start = 0;
    while (start < commaList.size()) {
        const std::size_t end = std::min(commaList.find(',', start), commaList.size());
        if (end > start)
            out.push_back(parseAllocationMethod(commaList.substr(start, end - start)));
        start = end + 1;
    }
    if (out.empty())
        throw UsageError("allocation methods: none in '" + std::string(commaList) + "'; expected some of: " +
                         allocationMethodNames());
    return out;
}

std::vector<AllocationMethod> allAllocationMethods()
{
    std::vector<AllocationMethod> out;
    for (const MethodNames& m : kMethods)
        out.push_back(m.method);
    return out;
}

std::string allocationMethodNames()
{
    std::string out;
    for (const MethodNames& m : kMethods)
        out += (out.empty() ? "" : ", ") + std::string(m.name);
    return out;
}

bool needsHeadScores(AllocationMethod method)
{
    return method == AllocationMethod::HeadKv || method == AllocationMethod::DiliLazyKv;
}

} // namespace headscope
