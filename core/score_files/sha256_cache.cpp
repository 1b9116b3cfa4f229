// The digest cache behind sha256FileHexCached. One line per file:
//   size <TAB> mtime_ns <TAB> sha256 <TAB> absolute path
// A file whose size or modification time changed misses and is hashed again. The cache is
// bounded (the most recent kMaxEntries lines) and rewritten whole through a temporary file
// and a rename, so concurrent writers never leave a torn file (the last rename wins).
#include "headscope/core/sha256.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h> // getpid
#include <vector>

namespace headscope {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxEntries = 256;

struct Entry {
    long long size = 0;
    long long mtimeNs = 0;
    std::string digest;
    std::string path;
};

std::vector<Entry> readCache(const fs::path& cacheFile)
{
    std::vector<Entry> entries;
    std::ifstream in(cacheFile);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        Entry e;
        std::string size, mtime;
        if (!std::getline(fields, size, '\t') || !std::getline(fields, mtime, '\t') ||
            !std::getline(fields, e.digest, '\t') || !std::getline(fields, e.path))
            continue; // a malformed line is ignored, not fatal
        try {
            e.size = std::stoll(size);
            e.mtimeNs = std::stoll(mtime);
        } catch (const std::exception&) {
            continue;
        }
        if (e.digest.size() == 64 && !e.path.empty())
            entries.push_back(std::move(e));
    }
    return entries;
}

void writeCache(const fs::path& cacheFile, const std::vector<Entry>& entries)
{
    std::error_code ec;
    fs::create_directories(cacheFile.parent_path(), ec);
    const fs::path tmp = cacheFile.string() + "." + std::to_string(::getpid()) + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            return;
        const std::size_t first = entries.size() > kMaxEntries ? entries.size() - kMaxEntries : 0;
        for (std::size_t i = first; i < entries.size(); ++i)
            out << entries[i].size << '\t' << entries[i].mtimeNs << '\t' << entries[i].digest << '\t' << entries[i].path
                << '\n';
        if (!out) {
            out.close();
            fs::remove(tmp, ec);
            return;
        }
    }
    fs::rename(tmp, cacheFile, ec);
    if (ec)
        fs::remove(tmp, ec);
}

} // namespace

fs::path defaultDigestCachePath()
{
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return fs::path(xdg) / "headscope" / "sha256-digests.tsv";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".cache" / "headscope" / "sha256-digests.tsv";
    return {};
}

std::string sha256FileHexCached(const fs::path& file, const fs::path& cacheFile)
{
    std::error_code ec;
    const fs::path absolute = fs::absolute(file, ec).lexically_normal();
    struct stat st {};
    const std::string key = absolute.string();
    if (cacheFile.empty() || ec || ::stat(absolute.c_str(), &st) != 0 || key.find_first_of("\t\n") != std::string::npos)
        return sha256FileHex(file);
    const long long size = static_cast<long long>(st.st_size);
    const long long mtimeNs = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    for (const Entry& e : readCache(cacheFile))
        if (e.path == key && e.size == size && e.mtimeNs == mtimeNs)
            return e.digest;
    const std::string digest = sha256FileHex(file);
    // Re-read just before writing so entries other processes added meanwhile are kept.
    std::vector<Entry> entries = readCache(cacheFile);
    std::erase_if(entries, [&](const Entry& e) { return e.path == key; });
    entries.push_back({size, mtimeNs, digest, key});
    writeCache(cacheFile, entries);
    return digest;
}

} // namespace headscope
