#include "headscope/core/score_provenance.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/score_file.h" // writeTextFile
#include "headscope/core/sha256.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace headscope {

namespace {

using Json = nlohmann::json;

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

template <typename T>
std::string listOrAll(const std::vector<T>& values)
{
    if (values.empty())
        return "all";
    std::string out;
    for (const T& v : values)
        out += (out.empty() ? "" : ",") + number(static_cast<double>(v));
    return out;
}

Json toObject(const ScoreProvenance& p)
{
    Json j;
    j["source"] = p.kind == ScoreProvenance::Kind::Session ? "session" : "scores";
    j["path"] = p.path;
    j["sha256"] = p.sha256;
    j["metric"] = p.metric;
    if (p.kind == ScoreProvenance::Kind::Session) {
        j["gate"] = p.gate;
        j["threshold"] = p.threshold;
        j["lengths"] = p.lengths.empty() ? Json("all") : Json(p.lengths);
        j["depths_percent"] = p.depths.empty() ? Json("all") : Json(p.depths);
        j["tests_accepted"] = p.testsAccepted;
        j["tests_total"] = p.testsTotal;
    }
    if (!p.exportedFrom.empty())
        j["exported_from"] = p.exportedFrom;
    return j;
}

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& expected, const Json& found)
{
    std::string text = found.is_discarded() ? "nothing" : found.dump();
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    throw FormatError(source + ": score provenance key '" + key + "': expected " + expected + ", found " + text);
}

const Json& field(const Json& j, const char* key, const std::string& source, const std::string& expected)
{
    if (!j.contains(key))
        fail(source, key, expected, Json(Json::value_t::discarded));
    return j.at(key);
}

std::string text(const Json& j, const char* key, const std::string& source)
{
    const Json& v = field(j, key, source, "a string");
    if (!v.is_string())
        fail(source, key, "a string", v);
    return v.get<std::string>();
}

template <typename T>
std::vector<T> listOrAllFrom(const Json& j, const char* key, const std::string& source)
{
    if (!j.contains(key))
        return {};
    const Json& v = j.at(key);
    if (v.is_string() && v.get<std::string>() == "all")
        return {};
    if (!v.is_array())
        fail(source, key, "\"all\" or an array of numbers", v);
    std::vector<T> out;
    for (const Json& e : v) {
        if (!e.is_number())
            fail(source, key, "\"all\" or an array of numbers", v);
        out.push_back(e.get<T>());
    }
    return out;
}

} // namespace

std::string ScoreProvenance::describe() const
{
    std::string label = metric;
    try {
        label = std::string(headMetricLabel(parseHeadMetric(metric))) + " (" + metric + ")";
    } catch (const UsageError&) {
        // A metric this build does not know is still named as recorded.
    }
    std::string out = label + " of " + (kind == Kind::Session ? "session " : "score file ") + path;
    if (!sha256.empty())
        out += " sha256 " + sha256.substr(0, 12) + "…";
    if (kind == Kind::Session) {
        out += gate == "none" || gate.empty() ? ", no gate" : ", gate " + gate + " > " + number(threshold);
        out += ", lengths " + listOrAll(lengths) + ", depths " + listOrAll(depths) + (depths.empty() ? "" : " %");
        out += ": " + std::to_string(testsAccepted) + " of " + std::to_string(testsTotal) +
               (testsTotal == 1 ? " test" : " tests");
    }
    if (!exportedFrom.empty())
        out += " (exported from " + exportedFrom + ")";
    return out;
}

std::string ScoreProvenance::toJson() const
{
    return toObject(*this).dump();
}

ScoreProvenance ScoreProvenance::fromJson(std::string_view textIn, const std::string& source)
{
    Json j;
    try {
        j = Json::parse(textIn);
    } catch (const Json::parse_error& e) {
        throw FormatError(source + ": score provenance is not valid JSON: " + e.what());
    }
    if (!j.is_object())
        fail(source, "(top level)", "an object", j);
    ScoreProvenance p;
    const std::string kind = text(j, "source", source);
    if (kind == "session")
        p.kind = Kind::Session;
    else if (kind == "scores")
        p.kind = Kind::ScoreFile;
    else
        fail(source, "source", "\"session\" or \"scores\"", j.at("source"));
    p.path = text(j, "path", source);
    p.sha256 = j.contains("sha256") ? text(j, "sha256", source) : std::string();
    p.metric = text(j, "metric", source);
    if (j.contains("exported_from"))
        p.exportedFrom = text(j, "exported_from", source);
    if (p.kind == Kind::Session) {
        p.gate = j.contains("gate") ? text(j, "gate", source) : std::string("none");
        if (j.contains("threshold")) {
            if (!j.at("threshold").is_number())
                fail(source, "threshold", "a number", j.at("threshold"));
            p.threshold = j.at("threshold").get<double>();
        }
        p.lengths = listOrAllFrom<int>(j, "lengths", source);
        p.depths = listOrAllFrom<double>(j, "depths_percent", source);
        for (const char* key : {"tests_accepted", "tests_total"}) {
            if (!j.contains(key))
                continue;
            if (!j.at(key).is_number_integer() || j.at(key).get<int64_t>() < 0)
                fail(source, key, "an integer >= 0", j.at(key));
            (std::string(key) == "tests_accepted" ? p.testsAccepted : p.testsTotal) = j.at(key).get<int>();
        }
    }
    return p;
}

std::filesystem::path scoreSidecarPath(const std::filesystem::path& scoreFile)
{
    std::filesystem::path p = scoreFile;
    p += ".headscope.json";
    return p;
}

void writeScoreSidecar(const std::filesystem::path& scoreFile, const ScoreProvenance& provenance)
{
    Json j;
    j["format"] = "headscope-score-provenance";
    j["version"] = 1;
    j["file"] = scoreFile.filename().string();
    j["file_sha256"] = sha256FileHex(scoreFile);
    j["scores"] = toObject(provenance);
    writeTextFile(scoreSidecarPath(scoreFile), j.dump(2) + "\n");
}

std::optional<ScoreProvenance> readScoreSidecar(const std::filesystem::path& scoreFile, std::string* note)
{
    const std::filesystem::path sidecar = scoreSidecarPath(scoreFile);
    std::error_code ec;
    if (!std::filesystem::exists(sidecar, ec))
        return std::nullopt;
    const std::string source = sidecar.string();
    Json j;
    try {
        j = Json::parse(readFileBytes(sidecar));
    } catch (const Json::parse_error& e) {
        throw FormatError(source + ": not valid JSON: " + e.what());
    }
    if (!j.is_object() || j.value("format", "") != "headscope-score-provenance")
        throw FormatError(source + ": key 'format': expected \"headscope-score-provenance\", found " +
                          (j.is_object() && j.contains("format") ? j.at("format").dump() : std::string("nothing")));
    const std::string recorded = text(j, "file_sha256", source);
    if (recorded != sha256FileHex(scoreFile)) {
        if (note)
            *note = source + " was written for other bytes (the score file changed since): its metric is not used";
        return std::nullopt;
    }
    return ScoreProvenance::fromJson(field(j, "scores", source, "an object").dump(), source);
}

} // namespace headscope
