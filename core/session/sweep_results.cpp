#include "headscope/core/sweep_results.h"

#include "h5_diagnose.h"
#include "h5_util.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "headscope/core/sweep_shards.h"

#include <nlohmann/json.hpp>

namespace headscope {

namespace {

using json = nlohmann::json;

double mean(const std::vector<double>& v)
{
    double s = 0.0;
    for (double x : v)
        s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

void writeOutcomes(hid_t group, const std::vector<SweepOutcome>& outcomes, const std::vector<hsize_t>& dims,
                   const std::string& file)
{
    std::vector<double> rouge, f1;
    std::vector<int64_t> bytes;
    json texts = json::array();
    for (const SweepOutcome& o : outcomes) {
        rouge.push_back(o.rouge1);
        f1.push_back(o.qaF1);
        bytes.push_back(o.kvBytes);
        texts.push_back(o.text);
    }
    h5::writeArray(group, "rouge1", H5T_NATIVE_DOUBLE, dims, rouge.data(), file);
    h5::writeArray(group, "qa_f1", H5T_NATIVE_DOUBLE, dims, f1.data(), file);
    h5::writeArray(group, "kv_bytes", H5T_NATIVE_INT64, dims, bytes.data(), file);
    h5::writeString(group, "text", texts.dump(-1, ' ', false, json::error_handler_t::replace), file);
}

// Appends `count` outcomes read from a group. Sizes are checked against the datasets before
// anything is allocated from them.
void readOutcomes(hid_t group, std::size_t count, std::vector<SweepOutcome>& out, const std::string& file,
                  const std::string& where)
{
    auto expect = [&](const char* name) {
        const std::size_t n = h5::elementCount(h5::arrayDims(group, name, file));
        if (n != count)
            throw FormatError(file + ": " + where + "/" + name + ": expected " + std::to_string(count) + " values, found " +
                              std::to_string(n));
    };
    expect("rouge1");
    expect("qa_f1");
    expect("kv_bytes");
    std::vector<double> rouge(count), f1(count);
    std::vector<int64_t> bytes(count);
    h5::readArray(group, "rouge1", H5T_NATIVE_DOUBLE, rouge.data(), count, file);
    h5::readArray(group, "qa_f1", H5T_NATIVE_DOUBLE, f1.data(), count, file);
    h5::readArray(group, "kv_bytes", H5T_NATIVE_INT64, bytes.data(), count, file);
    const json texts = json_input::parse(h5::readString(group, "text", file), file + ": " + where + "/text");
    if (!texts.is_array())
        throw FormatError(file + ": " + where + "/text: expected a JSON list of generated texts, got " +
                          json_input::kindName(texts));
    for (std::size_t i = 0; i < count; ++i) {
        SweepOutcome o;
        o.rouge1 = rouge[i];
        o.qaF1 = f1[i];
        o.kvBytes = bytes[i];
        o.text = i < texts.size() && texts[i].is_string() ? texts[i].get<std::string>() : std::string();
        out.push_back(std::move(o));
    }
}

} // namespace

double SweepResults::meanRouge1(std::size_t method, std::size_t budget) const
{
    std::vector<double> v;
    for (std::size_t t = 0; t < tests.size(); ++t)
        v.push_back(at(method, budget, t).rouge1);
    return mean(v);
}

double SweepResults::meanQaF1(std::size_t method, std::size_t budget) const
{
    std::vector<double> v;
    for (std::size_t t = 0; t < tests.size(); ++t)
        v.push_back(at(method, budget, t).qaF1);
    return mean(v);
}

double SweepResults::fullMeanRouge1() const
{
    std::vector<double> v;
    for (const auto& o : full)
        v.push_back(o.rouge1);
    return mean(v);
}

double SweepResults::fullMeanQaF1() const
{
    std::vector<double> v;
    for (const auto& o : full)
        v.push_back(o.qaF1);
    return mean(v);
}

namespace {

json fullManifest(const SweepResults& r, const std::string& file)
{
    json manifest = json_input::parse(r.manifestJson.empty() ? "{}" : r.manifestJson, file + ": manifest to write");
    json_input::requireObject(manifest, file + ": manifest to write", "settings of the sweep");
    manifest["format"] = "headscope-sweep";
    manifest["version"] = 1;
    manifest["methods"] = r.methods;
    manifest["budgets"] = r.budgets;
    manifest["shard_index"] = r.shardIndex;
    manifest["shard_count"] = r.shardCount;
    manifest["tests_total"] = r.testsTotal > 0 ? r.testsTotal : static_cast<int>(r.tests.size());
    return manifest;
}

void writeBody(const h5::Handle& f, const SweepResults& r, const json& manifest, const std::string& file)
{
    h5::writeString(f.get(), "manifest", manifest.dump(2), file);
    const auto T = static_cast<hsize_t>(r.tests.size());
    {
        h5::Handle g = h5::createGroup(f.get(), "tests", file);
        std::vector<int32_t> id, length, needle;
        std::vector<double> depth;
        std::vector<int64_t> promptLength;
        for (const SweepTestInfo& t : r.tests) {
            id.push_back(t.id);
            length.push_back(t.length);
            needle.push_back(t.needleIndex);
            depth.push_back(t.depth);
            promptLength.push_back(t.promptLength);
        }
        h5::writeArray(g.get(), "id", H5T_NATIVE_INT32, {T}, id.data(), file);
        h5::writeArray(g.get(), "length", H5T_NATIVE_INT32, {T}, length.data(), file);
        h5::writeArray(g.get(), "depth", H5T_NATIVE_DOUBLE, {T}, depth.data(), file);
        h5::writeArray(g.get(), "needle", H5T_NATIVE_INT32, {T}, needle.data(), file);
        h5::writeArray(g.get(), "prompt_length", H5T_NATIVE_INT64, {T}, promptLength.data(), file);
    }
    {
        h5::Handle g = h5::createGroup(f.get(), "full", file);
        writeOutcomes(g.get(), r.full, {T}, file);
    }
    h5::Handle results = h5::createGroup(f.get(), "results", file);
    const auto B = static_cast<hsize_t>(r.budgets.size());
    for (std::size_t m = 0; m < r.methods.size(); ++m) {
        h5::Handle g = h5::createGroup(results.get(), r.methods[m], file);
        const auto first = r.compressed.begin() + static_cast<std::ptrdiff_t>(m * B * T);
        writeOutcomes(g.get(), std::vector<SweepOutcome>(first, first + static_cast<std::ptrdiff_t>(B * T)), {B, T}, file);
    }
    h5::checkStatus(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
}
} // namespace

std::string sweepManifestJson(const SweepResults& results, const std::string& file)
{
    return fullManifest(results, file).dump();
}

void writeSweepResults(const std::filesystem::path& path, const SweepResults& r)
{
    const std::string file = path.string();
    if (r.full.size() != r.tests.size() || r.compressed.size() != r.methods.size() * r.budgets.size() * r.tests.size())
        throw UsageError("sweep results: inconsistent sizes");
    // Checked before anything is created: a bad manifest is a FormatError and leaves no file.
    const json manifest = fullManifest(r, file);
    h5::silenceLibraryErrors();
    // Staged and renamed into place: a failed write keeps the old results (output_file.h).
    OutputTarget target(path, OutputKind::SweepResults, /*replace=*/true);
    try {
        h5::Handle f(h5::check(h5::createChecksummedFile(target.staging().string()), file,
                               "cannot create"),
                     &H5Fclose);
        writeBody(f, r, manifest, file);
    } catch (const FormatError& e) {
        throw WriteError(e.what());
    }
    target.commit();
}

SweepResults readSweepResults(const std::filesystem::path& path)
{
    const std::string file = path.string();
    h5::Handle f = h5::openFile(path, H5F_ACC_RDONLY, "sweep results (HDF5)");
    if (!h5::exists(f.get(), "manifest"))
        throw FormatError(file + ": not a HeadScope sweep file (no /manifest)");
    SweepResults r;
    r.manifestJson = h5::readString(f.get(), "manifest", file);
    try {
        const json m = json_input::parse(r.manifestJson, file + ": /manifest");
        json_input::requireObject(m, file + ": /manifest", "a sweep manifest");
        if (m.value("format", "") != "headscope-sweep")
            throw FormatError(file + ": /manifest format: expected \"headscope-sweep\", got " + m.value("format", "nothing"));
        r.methods = m.at("methods").get<std::vector<std::string>>();
        r.budgets = m.at("budgets").get<std::vector<int64_t>>();
        // Files written before sharding existed hold one whole sweep.
        r.shardIndex = m.value("shard_index", 0);
        r.shardCount = m.value("shard_count", 1);
        r.testsTotal = m.value("tests_total", 0);
    } catch (const json::exception& e) {
        throw FormatError(file + ": /manifest: " + e.what());
    }
    h5::Handle tests = h5::openGroup(f.get(), "tests", file);
    const auto dims = h5::arrayDims(tests.get(), "id", file);
    if (dims.size() != 1)
        throw FormatError(file + ": /tests/id: expected a 1-D list of test ids");
    const std::size_t T = dims[0];
    std::vector<int32_t> id(T), length(T), needle(T);
    std::vector<double> depth(T);
    std::vector<int64_t> promptLength(T);
    h5::readArray(tests.get(), "id", H5T_NATIVE_INT32, id.data(), T, file);
    h5::readArray(tests.get(), "length", H5T_NATIVE_INT32, length.data(), T, file);
    h5::readArray(tests.get(), "depth", H5T_NATIVE_DOUBLE, depth.data(), T, file);
    h5::readArray(tests.get(), "needle", H5T_NATIVE_INT32, needle.data(), T, file);
    h5::readArray(tests.get(), "prompt_length", H5T_NATIVE_INT64, promptLength.data(), T, file);
    for (std::size_t t = 0; t < T; ++t)
        r.tests.push_back({id[t], length[t], depth[t], needle[t], promptLength[t]});
    if (r.testsTotal == 0)
        r.testsTotal = static_cast<int>(T);
    if (r.shardCount < 1 || r.shardIndex < 0 || r.shardIndex >= r.shardCount)
        throw FormatError(file + ": /manifest shard_index/shard_count: expected i/n with 0 <= i < n, got " +
                          std::to_string(r.shardIndex) + "/" + std::to_string(r.shardCount));
    if (static_cast<int64_t>(T) != sweepShardSize(r.testsTotal, r.shardIndex, r.shardCount))
        throw FormatError(file + ": /tests/id: expected " +
                          std::to_string(sweepShardSize(r.testsTotal, r.shardIndex, r.shardCount)) + " tests (shard " +
                          std::to_string(r.shardIndex) + "/" + std::to_string(r.shardCount) + " of " +
                          std::to_string(r.testsTotal) + "), found " + std::to_string(T));
    h5::Handle full = h5::openGroup(f.get(), "full", file);
    readOutcomes(full.get(), T, r.full, file, "/full");
    h5::Handle results = h5::openGroup(f.get(), "results", file);
    std::size_t perMethod = 0; // budgets × tests, checked against each method's datasets before use
    if (__builtin_mul_overflow(r.budgets.size(), T, &perMethod))
        throw FormatError(file + ": /manifest: " + std::to_string(r.budgets.size()) + " budgets x " + std::to_string(T) +
                          " tests is beyond any sweep");
    for (const std::string& method : r.methods) {
        h5::Handle g = h5::openGroup(results.get(), method, file);
        readOutcomes(g.get(), perMethod, r.compressed, file, "/results/" + method);
    }
    return r;
}

} // namespace headscope
