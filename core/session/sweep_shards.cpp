// Sharded sweeps: the shard rule, --resume of a finished shard, and the merge of shards
// (headscope/core/sweep_shards.h).
#include "headscope/core/sweep_shards.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace headscope {

namespace {

using json = nlohmann::json;

// Manifest keys that may differ between parts of one sweep: the shard's own index, and the
// device each part ran on (array tasks land on different nodes).
const std::set<std::string> kPerShardKeys = {"shard_index", "device"};

// The first key (outside `ignored`) whose value differs between two manifests, as
// "key \"K\": expected E, got A"; "" when they agree.
std::string firstDifference(const json& expected, const json& actual, const std::set<std::string>& ignored)
{
    std::set<std::string> keys;
    for (const auto& [k, v] : expected.items())
        keys.insert(k);
    for (const auto& [k, v] : actual.items())
        keys.insert(k);
    for (const std::string& k : keys) {
        if (ignored.count(k))
            continue;
        const auto e = expected.find(k), a = actual.find(k);
        if (e != expected.end() && a != actual.end() && *e == *a)
            continue;
        return "key \"" + k + "\": expected " + (e == expected.end() ? std::string("no such key") : e->dump()) +
               ", got " + (a == actual.end() ? std::string("no such key") : a->dump());
    }
    return {};
}

json manifestOf(const SweepResults& r, const std::string& file)
{
    return json_input::parse(r.manifestJson, file + ": /manifest");
}

bool sameResults(const SweepResults& a, const SweepResults& b, const std::string& fileA, const std::string& fileB)
{
    return firstDifference(manifestOf(a, fileA), manifestOf(b, fileB), {}).empty() && a.tests == b.tests &&
           a.methods == b.methods && a.budgets == b.budgets && a.full == b.full && a.compressed == b.compressed;
}

} // namespace

void validateSweepShard(int shardIndex, int shardCount)
{
    if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount)
        throw UsageError("--shard: expected i/n with 0 <= i < n, got " + std::to_string(shardIndex) + "/" +
                         std::to_string(shardCount));
}

int64_t sweepShardSize(int64_t testsTotal, int shardIndex, int shardCount)
{
    return testsTotal > shardIndex ? (testsTotal - shardIndex + shardCount - 1) / shardCount : 0;
}

void checkSweepResume(const std::filesystem::path& file, const SweepResults& expected)
{
    const std::string name = file.string();
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw UsageError("--resume: " + name + " does not exist; start the sweep without --resume");
    if (identifyExisting(file) != ExistingKind::SweepResults)
        throw UsageError("--resume: " + name + " is " + describeExisting(identifyExisting(file)) +
                         ", not sweep results");
    const SweepResults found = readSweepResults(file);
    const std::string difference =
        firstDifference(json_input::parse(sweepManifestJson(expected, name), name + ": manifest of this run"),
                        manifestOf(found, name), {"device"});
    if (!difference.empty())
        throw UsageError("--resume: " + name + " holds another sweep than this one (manifest " + difference +
                         "); remove it, or choose another --out");
}

SweepMergeReport mergeSweepResults(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                                   bool replace)
{
    if (inputs.empty())
        throw UsageError("merge: no sweep result files given");
    std::vector<SweepResults> parts;
    std::vector<json> manifests;
    for (const auto& p : inputs) {
        parts.push_back(readSweepResults(p));
        manifests.push_back(manifestOf(parts.back(), p.string()));
    }
    const SweepResults& first = parts.front();
    const int n = first.shardCount;
    std::map<int, std::size_t> shardOf; // shard index → input
    std::set<std::string> devices;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string difference = firstDifference(manifests.front(), manifests[i], kPerShardKeys);
        if (!difference.empty())
            throw UsageError("merge: " + inputs[i].string() + " is not a shard of the same sweep as " +
                             inputs[0].string() + ": manifest " + difference);
        if (const auto [it, fresh] = shardOf.emplace(parts[i].shardIndex, i); !fresh)
            throw UsageError("merge: " + inputs[it->second].string() + " and " + inputs[i].string() +
                             " are both shard " + std::to_string(parts[i].shardIndex) + "/" + std::to_string(n));
        if (manifests[i].contains("device")) {
            const json& device = manifests[i]["device"];
            devices.insert(device.is_string() ? device.get<std::string>() : device.dump());
        }
    }
    std::string missing;
    for (int s = 0; s < n; ++s)
        if (!shardOf.count(s) && sweepShardSize(first.testsTotal, s, n) > 0)
            missing += (missing.empty() ? "" : ", ") + std::to_string(s);
    if (!missing.empty())
        throw UsageError("merge: sweep shard(s) " + missing + " of " + std::to_string(n) +
                         " missing; run them with sweep --shard i/" + std::to_string(n) +
                         " and the same options (a sweep merge needs every shard)");

    // Every test back at its position: position p is test p / n of shard p mod n.
    SweepResults merged;
    merged.methods = first.methods;
    merged.budgets = first.budgets;
    merged.testsTotal = first.testsTotal;
    const auto T = static_cast<std::size_t>(first.testsTotal);
    auto from = [&](std::size_t p) -> std::pair<const SweepResults&, std::size_t> {
        return {parts[shardOf.at(static_cast<int>(p % n))], p / n};
    };
    for (std::size_t p = 0; p < T; ++p) {
        const auto [part, k] = from(p);
        merged.tests.push_back(part.tests[k]);
        merged.full.push_back(part.full[k]);
    }
    merged.compressed.resize(merged.methods.size() * merged.budgets.size() * T);
    for (std::size_t m = 0; m < merged.methods.size(); ++m)
        for (std::size_t b = 0; b < merged.budgets.size(); ++b)
            for (std::size_t p = 0; p < T; ++p) {
                const auto [part, k] = from(p);
                merged.at(m, b, p) = part.at(m, b, k);
            }
    json manifest = manifests.front();
    manifest["shard_index"] = 0;
    manifest["shard_count"] = 1;
    if (devices.size() > 1) {
        std::string all;
        for (const std::string& d : devices)
            all += (all.empty() ? "" : "; ") + d;
        manifest["device"] = all;
    }
    merged.manifestJson = manifest.dump();
    // The merged manifest as it will be written, so that an existing merge compares equal.
    merged.manifestJson = sweepManifestJson(merged, out.string());

    SweepMergeReport report;
    report.tests = static_cast<int>(T);
    report.shardCount = n;
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        const ExistingKind there = identifyExisting(out);
        if (there == ExistingKind::SweepResults) {
            bool same = false;
            try {
                same = sameResults(readSweepResults(out), merged, out.string(), out.string());
            } catch (const Error&) {
                same = false;
            }
            if (same) {
                report.upToDate = true;
                return report;
            }
        }
        if (there == ExistingKind::SweepResults && !replace)
            throw UsageError("merge: " + out.string() + " already exists and is not the merge of these shards; remove "
                             "it, choose another --out, or pass --force to replace it");
        // Anything else there is refused by OutputTarget's rules (never replaced by sweep results).
        OutputTarget::validate(out, OutputKind::SweepResults, replace);
    }
    writeSweepResults(out, merged);
    return report;
}

} // namespace headscope
