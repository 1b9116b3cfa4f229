#include "headscope/core/file_read.h"

#include "headscope/core/errors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace headscope {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& path, std::string_view what, const std::string& cause)
{
    const std::string prefix = what.empty() ? std::string() : std::string(what) + " ";
    throw LoadError(prefix + path.string() + ": " + cause);
}

std::string describeErrno(int err)
{
    switch (err) {
    case ENOENT: return "no such file";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory, expected a file";
    case ENOTDIR: return "a component of the path is not a directory";
    default: return std::strerror(err);
    }
}

// Stats the path and refuses anything that is not a regular file, by cause.
void checkKind(const fs::path& path, std::string_view what)
{
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec)
        fail(path, what, ec == std::errc::no_such_file_or_directory ? "no such file" : "cannot read: " + ec.message());
    if (st.type() == fs::file_type::not_found)
        fail(path, what, "no such file");
    if (st.type() == fs::file_type::directory)
        fail(path, what, "is a directory, expected a file");
    if (st.type() != fs::file_type::regular)
        fail(path, what, "is not a regular file");
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

} // namespace

void requireReadableFile(const fs::path& path, std::string_view what)
{
    checkKind(path, what);
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f)
        fail(path, what, "cannot open: " + describeErrno(errno));
}

std::string readFileBytes(const fs::path& path, std::string_view what)
{
    checkKind(path, what);
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f)
        fail(path, what, "cannot open: " + describeErrno(errno));
    std::string out;
    char buffer[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
        out.append(buffer, n);
        if (n < sizeof buffer) {
            if (std::ferror(f.get()))
                fail(path, what, "read error: " + describeErrno(errno));
            break;
        }
    }
    return out;
}

} // namespace headscope
