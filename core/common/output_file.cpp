#include "headscope/core/output_file.h"

#include "session/h5_diagnose.h"

#include "headscope/core/errors.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <unistd.h>

namespace headscope {

namespace fs = std::filesystem;

namespace {

std::string firstBytes(const fs::path& path, std::size_t n)
{
    std::ifstream in(path, std::ios::binary);
    std::string out(n, '\0');
    in.read(out.data(), static_cast<std::streamsize>(n));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

ExistingKind identifyFileContent(const fs::path& path)
{
    switch (h5::identify(path)) {
    case h5::FileContent::Session: return ExistingKind::Session;
    case h5::FileContent::Sweep: return ExistingKind::SweepResults;
    case h5::FileContent::OtherHdf5: return ExistingKind::Hdf5;
    case h5::FileContent::Unreadable: return ExistingKind::UnreadableHdf5;
    case h5::FileContent::NotHdf5: break;
    }
    const std::string head = firstBytes(path, 4096);
    const auto start = head.find_first_not_of(" \t\r\n");
    if (start != std::string::npos && (head[start] == '{' || head[start] == '[')) {
        if (head.find("\"format\": \"headscope-budget\"") != std::string::npos ||
            head.find("\"format\":\"headscope-budget\"") != std::string::npos)
            return ExistingKind::BudgetFile;
        return ExistingKind::Json;
    }
    for (unsigned char c : head)
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
            return ExistingKind::Binary;
    return ExistingKind::Text;
}

bool isScoreDirectory(const fs::path& dir)
{
    std::error_code ec;
    return fs::exists(dir / "full_attention_heads.tsv", ec);
}

bool isCheckpointDirectory(const fs::path& dir)
{
    std::error_code ec;
    if (fs::exists(dir / "config.json", ec))
        return true;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".safetensors")
            return true;
    return false;
}

bool isFileKind(OutputKind kind)
{
    return kind != OutputKind::Checkpoint && kind != OutputKind::ScoreDirectory;
}

// An existing output this kind may replace (with permission).
bool sameKind(OutputKind out, ExistingKind e)
{
    switch (out) {
    case OutputKind::Session: return e == ExistingKind::Session || e == ExistingKind::UnreadableHdf5;
    case OutputKind::SweepResults: return e == ExistingKind::SweepResults || e == ExistingKind::UnreadableHdf5;
    case OutputKind::ScoreFile:
    case OutputKind::TaskFile:
        return e == ExistingKind::Json || e == ExistingKind::Text || e == ExistingKind::EmptyFile;
    case OutputKind::BudgetFile: return e == ExistingKind::BudgetFile || e == ExistingKind::EmptyFile;
    case OutputKind::ScoreDirectory: return e == ExistingKind::ScoreDirectory;
    case OutputKind::Checkpoint: return e == ExistingKind::Checkpoint;
    case OutputKind::AnyFile:
        return e != ExistingKind::Directory && e != ExistingKind::ScoreDirectory && e != ExistingKind::Checkpoint && e != ExistingKind::EmptyDirectory &&
               e != ExistingKind::Stream;
    }
    return false;
}

// Written to without asking: nothing there, an empty directory for a checkpoint, a stream for text.
bool freeToWrite(OutputKind out, ExistingKind e)
{
    if (e == ExistingKind::Nothing)
        return true;
    if (e == ExistingKind::EmptyDirectory)
        return !isFileKind(out);
    if (e == ExistingKind::Stream)
        return out == OutputKind::ScoreFile || out == OutputKind::BudgetFile || out == OutputKind::TaskFile ||
               out == OutputKind::AnyFile;
    return false;
}

ExistingKind check(const fs::path& path, OutputKind kind, bool replace)
{
    const ExistingKind e = identifyExisting(path);
    const std::string p = path.string();
    if (freeToWrite(kind, e)) {
        if (e == ExistingKind::Nothing && isFileKind(kind)) {
            const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
            std::error_code ec;
            if (!fs::is_directory(parent, ec))
                throw UsageError(parent.string() + ": no such directory (for " + describeOutput(kind) + " " + p + ")");
        }
        return e;
    }
    const bool isDir = e == ExistingKind::Directory || e == ExistingKind::Checkpoint || e == ExistingKind::EmptyDirectory ||
                       e == ExistingKind::ScoreDirectory;
    if (isFileKind(kind) && isDir)
        throw UsageError(p + ": is a directory (" + describeExisting(e) + "); expected a file name for " +
                         describeOutput(kind));
    if (!isFileKind(kind) && !isDir)
        throw UsageError(p + ": is a file (" + describeExisting(e) + "); this writes a directory (" + describeOutput(kind) +
                         ") and will not replace a file");
    if (!sameKind(kind, e))
        throw UsageError(p + ": holds " + describeExisting(e) + "; this writes " + describeOutput(kind) +
                         " and will not replace it, even with --force (choose another path, or remove it first)");
    if ((e == ExistingKind::Session || e == ExistingKind::SweepResults) && h5::lockedByWriter(path))
        throw UsageError(p + ": locked by another process (a probe may be running on it); it cannot be replaced now");
    if (!replace)
        throw UsageError(p + ": already exists (" + describeExisting(e) + "); pass --force to replace it" +
                         (kind == OutputKind::Session ? " (or --resume to continue a probe session)" : "") +
                         ", or choose another path");
    return e;
}

fs::path resolveLink(const fs::path& path)
{
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        const fs::path target = fs::canonical(path, ec);
        if (!ec)
            return target;
    }
    return path;
}

void syncPath(const fs::path& path, bool directory)
{
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

std::string errnoText(int err)
{
    return std::strerror(err);
}

} // namespace

ExistingKind identifyExisting(const fs::path& path)
{
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    switch (st.type()) {
    case fs::file_type::not_found: return ExistingKind::Nothing;
    case fs::file_type::directory:
        if (fs::is_empty(path, ec))
            return ExistingKind::EmptyDirectory;
        if (isScoreDirectory(path))
            return ExistingKind::ScoreDirectory;
        return isCheckpointDirectory(path) ? ExistingKind::Checkpoint : ExistingKind::Directory;
    case fs::file_type::regular:
        if (fs::file_size(path, ec) == 0 && !ec)
            return ExistingKind::EmptyFile;
        return identifyFileContent(path);
    case fs::file_type::none:
        // status() failed for another reason (permissions on a parent): report it as a file so
        // nothing is replaced silently.
        return ExistingKind::Binary;
    default: return ExistingKind::Stream;
    }
}

std::string describeExisting(ExistingKind kind)
{
    switch (kind) {
    case ExistingKind::Nothing: return "nothing";
    case ExistingKind::EmptyFile: return "an empty file";
    case ExistingKind::EmptyDirectory: return "an empty directory";
    case ExistingKind::Session: return "a probe session (HDF5)";
    case ExistingKind::SweepResults: return "sweep results (HDF5)";
    case ExistingKind::Hdf5: return "an HDF5 file that is not a HeadScope session";
    case ExistingKind::UnreadableHdf5: return "an HDF5 file that cannot be opened (damaged or truncated)";
    case ExistingKind::BudgetFile: return "a budget file (JSON)";
    case ExistingKind::Json: return "a JSON file";
    case ExistingKind::Text: return "a text file";
    case ExistingKind::Binary: return "a binary file";
    case ExistingKind::ScoreDirectory: return "a directory of head-score files (full_attention_heads.tsv)";
    case ExistingKind::Checkpoint: return "a model checkpoint directory";
    case ExistingKind::Directory: return "a directory that is not a checkpoint";
    case ExistingKind::Stream: return "a stream or device";
    }
    return "something";
}

std::string describeOutput(OutputKind kind)
{
    switch (kind) {
    case OutputKind::Session: return "a probe session";
    case OutputKind::SweepResults: return "sweep results";
    case OutputKind::ScoreFile: return "a head-score file";
    case OutputKind::ScoreDirectory: return "a directory of head-score files";
    case OutputKind::BudgetFile: return "a budget file";
    case OutputKind::TaskFile: return "a task file (JSONL)";
    case OutputKind::Checkpoint: return "a checkpoint";
    case OutputKind::AnyFile: return "a file";
    }
    return "output";
}

OutputTarget::OutputTarget(fs::path path, OutputKind kind, bool replace)
    : m_path(resolveLink(path)), m_kind(kind), m_replace(replace)
{
    m_existing = check(m_path, m_kind, m_replace);
}

OutputTarget::~OutputTarget()
{
    discard();
}

void OutputTarget::validate(const fs::path& path, OutputKind kind, bool replace)
{
    check(resolveLink(path), kind, replace);
}

const fs::path& OutputTarget::staging()
{
    if (!m_staging.empty())
        return m_staging;
    if (m_existing == ExistingKind::Stream) {
        m_staging = m_path;
        return m_staging;
    }
    static std::atomic<unsigned> counter{0};
    const fs::path dir = m_path.has_parent_path() ? m_path.parent_path() : fs::path(".");
    std::error_code ec;
    const bool directory = !isFileKind(m_kind);
    if (directory) {
        fs::create_directories(dir, ec);
        if (ec)
            throw WriteError(dir.string() + ": cannot create the directory for " + m_path.string() + ": " + ec.message());
    }
    for (;;) {
        const fs::path candidate = dir / ("." + m_path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(counter++));
        if (fs::exists(fs::symlink_status(candidate, ec)))
            continue;
        if (directory && !fs::create_directory(candidate, ec))
            throw WriteError(candidate.string() + ": cannot create a staging directory: " + ec.message());
        m_staging = candidate;
        return m_staging;
    }
}

void OutputTarget::commit()
{
    if (m_committed)
        return;
    if (m_staging.empty())
        throw WriteError(m_path.string() + ": nothing was written");
    if (m_staging == m_path) { // a stream: written in place
        m_committed = true;
        return;
    }
    try {
        m_existing = check(m_path, m_kind, m_replace);
    } catch (...) {
        discard();
        throw;
    }
    const bool directory = !isFileKind(m_kind);
    if (!directory)
        syncPath(m_staging, false);
    const fs::path dir = m_path.has_parent_path() ? m_path.parent_path() : fs::path(".");
    if (directory && m_existing != ExistingKind::Nothing && m_existing != ExistingKind::EmptyDirectory) {
        // rename(2) replaces only an empty directory: move the old one aside, then swap.
        const fs::path aside = dir / ("." + m_path.filename().string() + ".old-" + std::to_string(::getpid()));
        if (::rename(m_path.c_str(), aside.c_str()) != 0) {
            const int err = errno;
            discard();
            throw WriteError(m_path.string() + ": cannot move the old directory aside: " + errnoText(err));
        }
        if (::rename(m_staging.c_str(), m_path.c_str()) != 0) {
            const int err = errno;
            ::rename(aside.c_str(), m_path.c_str());
            discard();
            throw WriteError(m_path.string() + ": cannot move the new directory into place: " + errnoText(err) +
                             " (the old one is unchanged)");
        }
        std::error_code ec;
        fs::remove_all(aside, ec);
    } else if (::rename(m_staging.c_str(), m_path.c_str()) != 0) {
        const int err = errno;
        discard();
        throw WriteError(m_path.string() + ": cannot move the written output into place: " + errnoText(err) +
                         (m_existing == ExistingKind::Nothing ? "" : " (the old one is unchanged)"));
    }
    syncPath(dir, true);
    m_staging.clear();
    m_committed = true;
}

void OutputTarget::discard()
{
    if (m_staging.empty() || m_committed || m_staging == m_path)
        return;
    std::error_code ec;
    fs::remove_all(m_staging, ec);
    m_staging.clear();
}

void writeOutputText(OutputTarget& target, std::string_view text)
{
    const fs::path& file = target.staging();
    auto fail = [&](int err) {
        const std::string kept =
            target.existing() == ExistingKind::Nothing || target.existing() == ExistingKind::Stream
                ? ""
                : " (the existing file is unchanged)";
        target.discard();
        throw WriteError(target.path().string() + ": cannot write: " + errnoText(err) + kept);
    };
    errno = 0;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
    if (!out)
        fail(errno);
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out.get()) != text.size())
        fail(errno ? errno : EIO);
    if (std::fflush(out.get()) != 0)
        fail(errno ? errno : EIO);
    if (std::fclose(out.release()) != 0)
        fail(errno ? errno : EIO);
    target.commit();
}

void writeFileReplacing(const fs::path& file, std::string_view text)
{
    OutputTarget target(file, OutputKind::AnyFile, /*replace=*/true);
    writeOutputText(target, text);
}

} // namespace headscope
