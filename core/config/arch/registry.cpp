#include "architecture_spec.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

const std::vector<const ArchitectureSpec*>& allSpecs()
{
    static const std::vector<const ArchitectureSpec*> specs = {&llamaSpec(), &mistralSpec(), &qwen2Spec()};
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

bool optionalBool(const nlohmann::json& config, const char* key, bool fallback, const std::string& source)
{
    auto it = config.find(key);
    if (it == config.end() || it->is_null())
        return fallback;
    if (!it->is_boolean()) {
        std::string got = it->dump();
        if (got.size() > 80)
            got = got.substr(0, 77) + "...";
        throw FormatError(source + ": key \"" + key + "\": expected true or false, got " + got);
    }
    return it->get<bool>();
}

} // namespace headscope::arch
