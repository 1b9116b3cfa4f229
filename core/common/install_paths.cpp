#include "headscope/core/install_paths.h"

#include <cstdlib>
#include <string>
#include <system_error>

namespace headscope {

namespace fs = std::filesystem;

fs::path executablePath()
{
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe;
}

std::optional<fs::path> dataDirectory()
{
    std::error_code ec;
    if (const char* env = std::getenv("HEADSCOPE_DATA_DIR"); env && *env) {
        if (fs::is_directory(env, ec))
            return fs::path(env);
    }
    const fs::path exe = executablePath();
    if (exe.empty())
        return std::nullopt;
    // Installed layout first: <prefix>/bin/<exe> -> <prefix>/share/headscope.
    const fs::path installed = exe.parent_path().parent_path() / "share" / "headscope";
    if (fs::is_directory(installed / "sample_sessions", ec))
        return installed;
    // Build tree: walk up from the executable to the source checkout.
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
        if (fs::is_directory(dir / "sample_sessions", ec) && fs::exists(dir / "CMakeLists.txt", ec))
            return dir;
    }
    return std::nullopt;
}

std::optional<fs::path> sampleSessionPath(const std::string& fileName)
{
    auto dir = dataDirectory();
    if (!dir)
        return std::nullopt;
    std::error_code ec;
    const fs::path p = *dir / "sample_sessions" / fileName;
    return fs::is_regular_file(p, ec) ? std::optional<fs::path>(p) : std::nullopt;
}

std::optional<fs::path> demoModelDirectory()
{
    auto dir = dataDirectory();
    if (!dir)
        return std::nullopt;
    std::error_code ec;
    for (const fs::path& candidate : {*dir / "demo_model", *dir / "resources" / "demo_model"}) {
        if (fs::is_regular_file(candidate / "config.json", ec))
            return candidate;
    }
    return std::nullopt;
}

} // namespace headscope
