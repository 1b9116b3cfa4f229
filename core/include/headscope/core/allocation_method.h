#pragma once
// The KV-budget allocation methods (docs/algorithms.md §3–4), named once. Every place that lists,
// parses or prints a method — budget files, the sweep, `allocate`, the Budget panel — goes
// through this enum and its names, so a new method is added here and nowhere else by string.
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class AllocationMethod {
    Uniform,    // "uniform"    SnapKV: every head keeps C − w selected tokens
    Pyramid,    // "pyramid"    PyramidKV: more tokens in lower layers
    AdaKv,      // "adakv"      Ada-KV: a layer budget split across heads at prefill
    HeadKv,     // "headkv"     HeadKV: shares proportional to head scores
    DiliLazyKv, // "dililazykv" DiliLazyKV: HeadKV with layer and head floors
};

std::string_view allocationMethodName(AllocationMethod method);
// What a menu shows, e.g. "Uniform (SnapKV)".
std::string_view allocationMethodLabel(AllocationMethod method);
// Accepts the names above; throws UsageError listing them otherwise.
AllocationMethod parseAllocationMethod(std::string_view name);
// "uniform,pyramid" → methods in order (empty items skipped); throws UsageError on an unknown name or none.
std::vector<AllocationMethod> parseAllocationMethods(std::string_view commaList);
std::vector<AllocationMethod> allAllocationMethods();
// "uniform, pyramid, adakv, headkv, dililazykv" — for help texts and error messages.
std::string allocationMethodNames();
// HeadKV and DiliLazyKV distribute by head scores; the others need only the model's shape.
bool needsHeadScores(AllocationMethod method);

} // namespace headscope
