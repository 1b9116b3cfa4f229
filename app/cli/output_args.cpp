#include "output_args.h"

namespace headscope::cli {

void addOutputOptions(ArgParser& p, const std::string& metavar, const std::string& help, bool required)
{
    p.option("out", metavar, help, required)
        .flag("force", "replace an existing --out of the same kind (never a file of another kind)");
}

std::unique_ptr<OutputTarget> outputFromArgs(const ArgParser& p, OutputKind kind)
{
    if (!p.has("out"))
        return nullptr;
    return std::make_unique<OutputTarget>(p.value("out"), kind, p.has("force"));
}

} // namespace headscope::cli
