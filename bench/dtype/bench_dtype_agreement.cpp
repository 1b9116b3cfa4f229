// bench_dtype_agreement: how much computing in bf16 instead of f32 changes what the probe
// finds. Runs the same probe grid on one checkpoint twice — f32, then bf16 — and compares the
// per-head InfScore (mean over tests, and over the tests each run answered: ROUGE-1 recall >
// 50) by Spearman rank correlation over all heads and by the overlap of the top-10 heads; also
// the tests whose generated tokens are identical, the needle accuracy and the wall time of each.
// Default: the bundled demo model and the sample session's grid (sample_sessions/README.md).
//   usage: bench_dtype_agreement [--model DIR] [--lengths 512,768,1024] [--depths 0,0.25,0.5,0.75,1]
// Goal (docs/performance.md): Spearman >= 0.99.
#include "../common/bench_shapes.h"

#include "headscope/core/gates.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/haystack.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/rank_statistics.h"
#include "headscope/core/runtime_setup.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"
#include "headscope/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace headscope;

namespace {

std::vector<double> parseDoubles(const std::string& text)
{
    std::vector<double> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');)
        out.push_back(std::stod(item));
    return out;
}

struct Run {
    std::vector<SessionTest> tests;
    double seconds = 0;
};

Run probe(const std::filesystem::path& model, DType dtype, const ProbeRequest& base, const std::filesystem::path& out)
{
    Engine engine;
    LoadOptions lo;
    lo.dtype = dtype;
    engine.load(model, lo);
    const Tokenizer tokenizer = Tokenizer::fromDirectory(model);
    ProbeRequest c = base;
    c.out = out;
    std::filesystem::remove(out);
    ProbeRunner runner(engine, tokenizer);
    const auto t0 = std::chrono::steady_clock::now();
    runner.run(c);
    Run r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.tests = SessionReader::open(out)->tests();
    return r;
}

std::vector<double> meanInf(const Run& run, bool answeredOnly, int* used)
{
    std::vector<TestHeadScores> scores;
    const auto accepted = std::make_unique<bool[]>(run.tests.size());
    for (std::size_t i = 0; i < run.tests.size(); ++i) {
        scores.push_back(run.tests[i].scores);
        accepted[i] = !answeredOnly || passesGate(run.tests[i].rouge1Recall);
    }
    const AggregatedScores agg =
        aggregateTests(scores, HeadMetric::Inf, std::span<const bool>(accepted.get(), run.tests.size()));
    *used = agg.testsUsed;
    return agg.matrix.values;
}

} // namespace

int main(int argc, char** argv)
{
    configureAllocator();
    std::filesystem::path model = std::filesystem::path(HEADSCOPE_SOURCE_DIR) / "resources" / "demo_model";
    ProbeRequest c;
    c.lengths = {512, 768, 1024};
    c.depths = {0, 0.25, 0.5, 0.75, 1};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--model") == 0)
            model = argv[i + 1];
        else if (std::strcmp(argv[i], "--lengths") == 0)
            c.lengths = bench::parseIntList(argv[i + 1]);
        else if (std::strcmp(argv[i], "--depths") == 0)
            c.depths = parseDoubles(argv[i + 1]);
    }
    const auto needles = model / "needles.jsonl";
    c.needles = std::filesystem::exists(needles) ? loadNeedles(needles) : defaultNeedles();
    c.haystack = HaystackSpec::synthetic(1);
    c.maxNewTokens = 24;
    c.stopAtNewline = true;
    const auto work = std::filesystem::temp_directory_path() / "headscope-bench-dtype";
    std::filesystem::create_directories(work);
    std::printf("model %s; %zu lengths x %zu depths x %zu needles, all-steps InfScore (top-%d)\n\n", model.c_str(),
                c.lengths.size(), c.depths.size(), c.needles.size(), c.topK);
    const Run f32 = probe(model, DType::F32, c, work / "f32.h5");
    const Run bf16 = probe(model, DType::BF16, c, work / "bf16.h5");

    int identical = 0, answered32 = 0, answered16 = 0;
    for (std::size_t i = 0; i < f32.tests.size() && i < bf16.tests.size(); ++i) {
        identical += f32.tests[i].generatedIds == bf16.tests[i].generatedIds ? 1 : 0;
        answered32 += passesGate(f32.tests[i].rouge1Recall) ? 1 : 0;
        answered16 += passesGate(bf16.tests[i].rouge1Recall) ? 1 : 0;
    }
    std::printf("%-6s %8s %10s\n", "dtype", "probe s", "answered");
    std::printf("%-6s %8.1f %6d/%zu\n", "f32", f32.seconds, answered32, f32.tests.size());
    std::printf("%-6s %8.1f %6d/%zu\n", "bf16", bf16.seconds, answered16, bf16.tests.size());
    std::printf("tests with identical generated tokens: %d of %zu\n\n", identical, f32.tests.size());

    std::printf("%-36s %10s %14s %8s\n", "InfScore per head, mean over", "Spearman", "top-10 overlap", "tests");
    for (bool answeredOnly : {false, true}) {
        int used32 = 0, used16 = 0;
        const std::vector<double> a = meanInf(f32, answeredOnly, &used32), b = meanInf(bf16, answeredOnly, &used16);
        const std::vector<int> ta = topKHeads(a, 10), tb = topKHeads(b, 10);
        const std::set<int> sb(tb.begin(), tb.end());
        std::size_t overlap = 0;
        for (int h : ta)
            overlap += sb.count(h);
        std::printf("%-36s %10.4f %11zu/10 %4d/%d\n", answeredOnly ? "answered tests (ROUGE-1 > 50)" : "all tests",
                    spearman(a, b), overlap, used32, used16);
    }
    std::filesystem::remove_all(work);
    return 0;
}
