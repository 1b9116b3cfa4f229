#include "architecture_spec.h"

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

} // namespace headscope::arch
