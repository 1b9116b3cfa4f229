// `eval` result files (docs/eval_format.md): one HDF5 group per example, written completely,
// marked complete, then flushed — as sessions are — so a run stopped at any moment keeps every
// finished example and --resume continues after them; and the merge of shards.
#include "eval_json.h"
#include "h5_diagnose.h"
#include "h5_util.h"
#include "session_json.h"

#include "headscope/core/shard.h"
#include "headscope/core/errors.h"
#include "headscope/core/eval_results.h"

#include <cstdio>
#include <map>

#include <unistd.h>

namespace headscope {

namespace {

std::string groupName(int index)
{
    char name[32];
    std::snprintf(name, sizeof name, "%07d", index);
    return name;
}

void writeRecord(hid_t examples, const EvalRecord& r, const std::string& file)
{
    const std::string name = groupName(r.index);
    if (h5::exists(examples, name))
        throw UsageError(file + ": example " + std::to_string(r.index) + " is already in the file");
    h5::Handle g = h5::createGroup(examples, name, file);
    h5::writeString(g.get(), "record", eval_json::recordToJson(r), file);
    if (!r.promptIds.empty())
        h5::writeArray(g.get(), "prompt_ids", H5T_NATIVE_INT32, {r.promptIds.size()}, r.promptIds.data(), file, true);
    const int32_t one = 1;
    h5::writeArray(g.get(), "complete", H5T_NATIVE_INT32, {1}, &one, file);
}

void replaceString(hid_t loc, const std::string& name, const std::string& value, const std::string& file)
{
    if (h5::exists(loc, name))
        h5::checkStatus(H5Ldelete(loc, name.c_str(), H5P_DEFAULT), file, "cannot replace /" + name);
    h5::writeString(loc, name, value, file);
}

h5::Handle openFile(const std::filesystem::path& path, unsigned flags)
{
    // The one diagnosis of why a file does not open (truncated, locked, not HDF5, …).
    return h5::openFile(path, flags, "eval results file");
}

h5::Handle createFile(const std::filesystem::path& path, const std::string& manifestJson)
{
    const std::string file = path.string();
    h5::silenceLibraryErrors();
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
        throw UsageError(file + ": already exists (use --resume to continue it, or choose another --out)");
    h5::Handle f(h5::check(h5::createChecksummedFile(path.string()), file, "cannot create"),
                 &H5Fclose);
    h5::writeString(f.get(), "manifest", manifestJson, file);
    h5::createGroup(f.get(), "examples", file);
    h5::checkStatus(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
    return f;
}

} // namespace

struct EvalWriter::Impl {
    std::string file;
    h5::Handle handle;
    std::set<int> finished;
    std::vector<EvalRecord> records;
};

EvalWriter::EvalWriter() : m_impl(std::make_unique<Impl>()) {}
EvalWriter::~EvalWriter()
{
    if (m_impl && m_impl->handle.valid())
        H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL);
}

std::unique_ptr<EvalWriter> EvalWriter::create(const std::filesystem::path& path, const EvalManifest& manifest)
{
    std::unique_ptr<EvalWriter> w(new EvalWriter());
    w->m_impl->file = path.string();
    const std::string now = session_json::nowIso8601();
    w->m_impl->handle =
        createFile(path, eval_json::withKeys(manifest.json, "{\"created\":\"" + now + "\",\"updated\":\"" + now + "\"}"));
    return w;
}

std::unique_ptr<EvalWriter> EvalWriter::resume(const std::filesystem::path& path, const EvalManifest& manifest)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return create(path, manifest);
    std::unique_ptr<EvalWriter> w(new EvalWriter());
    const std::string file = path.string();
    w->m_impl->file = file;
    w->m_impl->handle = openFile(path, H5F_ACC_RDWR);
    const hid_t f = w->m_impl->handle.get();
    const std::string old = h5::readString(f, "manifest", file);
    parseEvalManifest(old, file);
    const std::string a = eval_json::withoutKeys(old, {"created", "updated"});
    const std::string b = eval_json::withoutKeys(manifest.json, {"created", "updated"});
    if (a != b)
        throw UsageError(file + ": cannot resume: this run's settings differ from the file's (file: " + a +
                         "; this run: " + b + ")");
    h5::Handle examples = h5::openGroup(f, "examples", file);
    for (const std::string& name : h5::children(examples.get(), file, "/examples")) {
        h5::Handle g = h5::openGroup(examples.get(), name, file);
        if (!h5::exists(g.get(), "complete")) {
            g = h5::Handle();
            h5::checkStatus(H5Ldelete(examples.get(), name.c_str(), H5P_DEFAULT), file, "cannot drop unfinished " + name);
            continue;
        }
        EvalRecord r = eval_json::recordFromJson(h5::readString(g.get(), "record", file), file + " /examples/" + name);
        w->m_impl->finished.insert(r.index);
        w->m_impl->records.push_back(std::move(r));
    }
    replaceString(f, "manifest",
                  eval_json::withKeys(old, "{\"updated\":\"" + session_json::nowIso8601() + "\"}"), file);
    return w;
}

const std::set<int>& EvalWriter::finished() const
{
    return m_impl->finished;
}

const std::vector<EvalRecord>& EvalWriter::records() const
{
    return m_impl->records;
}

void EvalWriter::append(const EvalRecord& record)
{
    const std::string& file = m_impl->file;
    h5::Handle examples = h5::openGroup(m_impl->handle.get(), "examples", file);
    writeRecord(examples.get(), record, file);
    h5::checkStatus(H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
    m_impl->finished.insert(record.index);
    EvalRecord kept = record;
    kept.promptIds.clear();
    m_impl->records.push_back(std::move(kept));
}

void EvalWriter::writeSummary(const std::string& summaryJson)
{
    replaceString(m_impl->handle.get(), "summary", summaryJson, m_impl->file);
    h5::checkStatus(H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL), m_impl->file, "flush failed");
}

struct EvalReader::Impl {
    std::filesystem::path path;
    h5::Handle handle;
    EvalManifest manifest;
    std::vector<EvalRecord> records;
};

EvalReader::EvalReader() : m_impl(std::make_unique<Impl>()) {}
EvalReader::~EvalReader() = default;

bool EvalReader::isEvalFile(const std::filesystem::path& path)
{
    try {
        const h5::Handle f = openFile(path, H5F_ACC_RDONLY);
        if (!h5::exists(f.get(), "manifest"))
            return false;
        parseEvalManifest(h5::readString(f.get(), "manifest", path.string()), path.string());
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::unique_ptr<EvalReader> EvalReader::open(const std::filesystem::path& path)
{
    std::unique_ptr<EvalReader> r(new EvalReader());
    const std::string file = path.string();
    r->m_impl->path = path;
    r->m_impl->handle = openFile(path, H5F_ACC_RDONLY);
    const hid_t f = r->m_impl->handle.get();
    if (!h5::exists(f, "manifest"))
        throw FormatError(file + ": not a HeadScope eval file (no /manifest)");
    r->m_impl->manifest = parseEvalManifest(h5::readString(f, "manifest", file), file);
    h5::Handle examples = h5::openGroup(f, "examples", file);
    for (const std::string& name : h5::children(examples.get(), file, "/examples")) {
        h5::Handle g = h5::openGroup(examples.get(), name, file);
        if (!h5::exists(g.get(), "complete"))
            continue; // a run stopped while writing it
        r->m_impl->records.push_back(
            eval_json::recordFromJson(h5::readString(g.get(), "record", file), file + " /examples/" + name));
    }
    return r;
}

const std::filesystem::path& EvalReader::path() const
{
    return m_impl->path;
}

const EvalManifest& EvalReader::manifest() const
{
    return m_impl->manifest;
}

const std::vector<EvalRecord>& EvalReader::records() const
{
    return m_impl->records;
}

std::vector<int32_t> EvalReader::promptIds(int index) const
{
    const std::string file = m_impl->path.string();
    h5::Handle examples = h5::openGroup(m_impl->handle.get(), "examples", file);
    const std::string name = groupName(index);
    if (!h5::exists(examples.get(), name))
        throw FormatError(file + ": no example " + std::to_string(index));
    h5::Handle g = h5::openGroup(examples.get(), name, file);
    if (!h5::exists(g.get(), "prompt_ids"))
        throw FormatError(file + ": example " + std::to_string(index) + " has no prompt_ids");
    const auto dims = h5::arrayDims(g.get(), "prompt_ids", file);
    std::vector<int32_t> ids(dims.empty() ? 0 : static_cast<std::size_t>(dims[0]));
    if (!ids.empty())
        h5::readArray(g.get(), "prompt_ids", H5T_NATIVE_INT32, ids.data(), ids.size(), file);
    return ids;
}

std::vector<EvalSummaryRow> EvalReader::summary(int resamples) const
{
    return summarizeEval(m_impl->records, m_impl->manifest.configs, m_impl->manifest.bootstrapSeed, resamples);
}

EvalMergeReport mergeEvalResults(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                                 bool allowMissing)
{
    if (inputs.empty())
        throw UsageError("merge: no eval result files given");
    std::vector<std::unique_ptr<EvalReader>> readers;
    for (const auto& p : inputs)
        readers.push_back(EvalReader::open(p));
    const EvalManifest& first = readers.front()->manifest();
    auto shared = [](const EvalManifest& m) {
        return eval_json::withoutKeys(m.json, {"created", "updated", "shard_index", "shard_count"});
    };
    const std::string key = shared(first);
    std::map<int, std::size_t> shardOf; // shard index → input
    for (std::size_t i = 0; i < readers.size(); ++i) {
        const EvalManifest& m = readers[i]->manifest();
        if (shared(m) != key || m.shardCount != first.shardCount)
            throw UsageError("merge: " + inputs[i].string() + " is not a shard of the same evaluation as " +
                             inputs[0].string() + " (their manifests differ beyond the shard index)");
        if (const auto [it, fresh] = shardOf.emplace(m.shardIndex, i); !fresh)
            throw UsageError("merge: " + inputs[it->second].string() + " and " + inputs[i].string() + " are both shard " +
                             std::to_string(m.shardIndex) + "/" + std::to_string(m.shardCount));
        for (const EvalRecord& r : readers[i]->records())
            if (r.index < 0 || r.index >= m.examplesTotal || !inShard(r.index, m.shardIndex, m.shardCount))
                throw UsageError("merge: " + inputs[i].string() + " holds example " + std::to_string(r.index) +
                                 ", which is not in its shard " + std::to_string(m.shardIndex) + "/" +
                                 std::to_string(m.shardCount) + " of " + std::to_string(m.examplesTotal) + " examples");
    }
    std::map<int, std::pair<std::size_t, const EvalRecord*>> chosen; // index → (input, record)
    for (std::size_t i = 0; i < readers.size(); ++i)
        for (const EvalRecord& r : readers[i]->records())
            chosen.emplace(r.index, std::make_pair(i, &r));
    EvalMergeReport report;
    report.examples = static_cast<int>(chosen.size());
    report.examplesTotal = first.examplesTotal;
    for (int i = 0; i < first.examplesTotal; ++i)
        if (!chosen.count(i))
            report.missing.push_back(i);
    if (!report.missing.empty() && !allowMissing)
        throw UsageError("merge: " + std::to_string(report.missing.size()) + " of " +
                         std::to_string(first.examplesTotal) + " examples are missing (first: " +
                         std::to_string(report.missing.front()) +
                         "); finish them with eval --shard i/n --resume, or merge with --allow-missing");

    const std::string manifest = eval_json::withKeys(
        first.json, "{\"shard_index\":0,\"shard_count\":1,\"updated\":\"" + session_json::nowIso8601() + "\"}");
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        // Idempotence: a re-run that finds this very merge succeeds without writing.
        bool same = false;
        try {
            const auto existing = EvalReader::open(out);
            same = shared(existing->manifest()) == shared(parseEvalManifest(manifest, out.string())) &&
                   existing->records().size() == chosen.size();
            std::size_t k = 0;
            for (const auto& [index, where] : chosen) {
                if (!same)
                    break;
                same = eval_json::recordToJson(existing->records()[k++]) == eval_json::recordToJson(*where.second);
            }
        } catch (const Error&) {
            same = false;
        }
        if (!same)
            throw UsageError("merge: " + out.string() +
                             " already exists and is not the merge of these files; remove it or choose another --out");
        report.upToDate = true;
        return report;
    }

    const std::filesystem::path tmp = out.string() + ".merging-" + std::to_string(::getpid());
    std::filesystem::remove(tmp, ec);
    try {
        const std::string file = tmp.string();
        h5::Handle f = createFile(tmp, manifest);
        std::vector<EvalRecord> records;
        {
            h5::Handle examples = h5::openGroup(f.get(), "examples", file);
            for (const auto& [index, where] : chosen) {
                EvalRecord r = *where.second;
                try {
                    r.promptIds = readers[where.first]->promptIds(index);
                } catch (const FormatError&) {
                    r.promptIds.clear(); // written without prompt ids: merged without them
                }
                writeRecord(examples.get(), r, file);
                r.promptIds.clear();
                records.push_back(std::move(r));
            }
        }
        const EvalManifest merged = parseEvalManifest(manifest, file);
        h5::writeString(f.get(), "summary",
                        evalSummaryToJson(summarizeEval(records, merged.configs, merged.bootstrapSeed)), file);
        h5::checkStatus(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
        f = h5::Handle(); // close before the rename
        std::filesystem::rename(tmp, out, ec);
        if (ec)
            throw LoadError(withFile("cannot rename the merged results into place: " + ec.message(), out.string()));
    } catch (...) {
        std::filesystem::remove(tmp, ec);
        throw;
    }
    return report;
}

} // namespace headscope
