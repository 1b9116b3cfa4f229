#include "headscope/core/sweep_results.h"

#include "h5_diagnose.h"
#include "h5_util.h"

#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"

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

void readOutcomes(hid_t group, std::size_t count, std::vector<SweepOutcome>& out, std::size_t first,
                  const std::string& file, const std::string& where)
{
    auto expect = [&](const char* name) {
        const auto dims = h5::arrayDims(group, name, file);
        hsize_t n = 1;
        for (hsize_t d : dims)
            n *= d;
        if (n != count)
            throw FormatError(file + ": " + where + "/" + name + ": expected " + std::to_string(count) + " values, found " +
                              std::to_string(n));
    };
    std::vector<double> rouge(count), f1(count);
    std::vector<int64_t> bytes(count);
    expect("rouge1");
    expect("qa_f1");
    expect("kv_bytes");
    h5::readArray(group, "rouge1", H5T_NATIVE_DOUBLE, rouge.data(), file);
    h5::readArray(group, "qa_f1", H5T_NATIVE_DOUBLE, f1.data(), file);
    h5::readArray(group, "kv_bytes", H5T_NATIVE_INT64, bytes.data(), file);
    json texts;
    try {
        texts = json::parse(h5::readString(group, "text", file));
    } catch (const json::exception& e) {
        throw FormatError(file + ": " + where + "/text: " + e.what());
    }
    for (std::size_t i = 0; i < count; ++i) {
        SweepOutcome& o = out[first + i];
        o.rouge1 = rouge[i];
        o.qaF1 = f1[i];
        o.kvBytes = bytes[i];
        o.text = i < texts.size() && texts[i].is_string() ? texts[i].get<std::string>() : std::string();
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
void writeBody(const h5::Handle& f, const SweepResults& r, const std::string& file)
{
    json manifest = json::parse(r.manifestJson.empty() ? "{}" : r.manifestJson);
    manifest["format"] = "headscope-sweep";
    manifest["version"] = 1;
    manifest["methods"] = r.methods;
    manifest["budgets"] = r.budgets;
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

void writeSweepResults(const std::filesystem::path& path, const SweepResults& r)
{
    const std::string file = path.string();
    if (r.full.size() != r.tests.size() || r.compressed.size() != r.methods.size() * r.budgets.size() * r.tests.size())
        throw UsageError("sweep results: inconsistent sizes");
    h5::silenceLibraryErrors();
    // Staged and renamed into place: a failed write keeps the old results (output_file.h).
    OutputTarget target(path, OutputKind::SweepResults, /*replace=*/true);
    try {
        h5::Handle f(h5::check(H5Fcreate(target.staging().c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), file,
                               "cannot create"),
                     &H5Fclose);
        writeBody(f, r, file);
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
        const json m = json::parse(r.manifestJson);
        if (m.value("format", "") != "headscope-sweep")
            throw FormatError(file + ": /manifest format: expected \"headscope-sweep\", got " + m.value("format", "nothing"));
        r.methods = m.at("methods").get<std::vector<std::string>>();
        r.budgets = m.at("budgets").get<std::vector<int64_t>>();
    } catch (const json::exception& e) {
        throw FormatError(file + ": /manifest: " + e.what());
    }
    h5::Handle tests = h5::openGroup(f.get(), "tests", file);
    const auto dims = h5::arrayDims(tests.get(), "id", file);
    const std::size_t T = dims.empty() ? 0 : dims[0];
    std::vector<int32_t> id(T), length(T), needle(T);
    std::vector<double> depth(T);
    std::vector<int64_t> promptLength(T);
    h5::readArray(tests.get(), "id", H5T_NATIVE_INT32, id.data(), file);
    h5::readArray(tests.get(), "length", H5T_NATIVE_INT32, length.data(), file);
    h5::readArray(tests.get(), "depth", H5T_NATIVE_DOUBLE, depth.data(), file);
    h5::readArray(tests.get(), "needle", H5T_NATIVE_INT32, needle.data(), file);
    h5::readArray(tests.get(), "prompt_length", H5T_NATIVE_INT64, promptLength.data(), file);
    for (std::size_t t = 0; t < T; ++t)
        r.tests.push_back({id[t], length[t], depth[t], needle[t], promptLength[t]});
    r.full.resize(T);
    h5::Handle full = h5::openGroup(f.get(), "full", file);
    readOutcomes(full.get(), T, r.full, 0, file, "/full");
    r.compressed.resize(r.methods.size() * r.budgets.size() * T);
    h5::Handle results = h5::openGroup(f.get(), "results", file);
    for (std::size_t m = 0; m < r.methods.size(); ++m) {
        h5::Handle g = h5::openGroup(results.get(), r.methods[m], file);
        readOutcomes(g.get(), r.budgets.size() * T, r.compressed, m * r.budgets.size() * T, file, "/results/" + r.methods[m]);
    }
    return r;
}

} // namespace headscope
