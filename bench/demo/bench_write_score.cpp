// bench_write_score: the write-aware head score (docs/algorithms.md §1G) against InfScore on the
// bundled demo model.
//  1. One probe over a needle grid records both scores for every head (same tests, same gate).
//  2. Their top-8 heads: overlap, and Spearman's rank correlation over all heads.
//  3. Needle accuracy with the top-k heads of each score masked (k = 1, 2, 4, 8), next to no
//     mask (the masking of bench_demo_evidence), on a second grid from another haystack seed.
// Accuracy = share of tests whose answer has ROUGE-1 recall > 50 of real_needle. Everything is
// measured in this run.
//   usage: bench_write_score [--model DIR] [--needles FILE] [--lengths 512,1024]
//                            [--depths 0,0.25,0.5,0.75,1] [--max-new-tokens 24] [--probe-seed 1]
//                            [--test-seed 7] [--metric write_needle] [--ks 1,2,4,8]
// Step 2 is printed for both write metrics (write, write_needle); step 3 masks --metric's heads.
#include "headscope/core/budget_sweep.h"
#include "headscope/core/errors.h"
#include "headscope/core/gates.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"
#include "headscope/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace headscope;

namespace {

struct Args {
    std::filesystem::path model = HEADSCOPE_SOURCE_DIR "/resources/demo_model";
    std::filesystem::path needles = HEADSCOPE_SOURCE_DIR "/resources/demo_model/needles.jsonl";
    std::string lengths = "512,1024", depths = "0,0.25,0.5,0.75,1", metric = "write_needle", ks = "1,2,4,8";
    int maxNewTokens = 24;
    uint64_t probeSeed = 1, testSeed = 7;
};

Args parse(int argc, char** argv)
{
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") a.model = v;
        else if (k == "--needles") a.needles = v;
        else if (k == "--lengths") a.lengths = v;
        else if (k == "--depths") a.depths = v;
        else if (k == "--max-new-tokens") a.maxNewTokens = std::stoi(v);
        else if (k == "--probe-seed") a.probeSeed = std::stoull(v);
        else if (k == "--test-seed") a.testSeed = std::stoull(v);
        else if (k == "--metric") a.metric = v;
        else if (k == "--ks") a.ks = v;
        else throw UsageError("bench_write_score: unknown option " + k);
    }
    return a;
}

std::vector<int> ints(const std::string& s)
{
    std::vector<int> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        out.push_back(std::stoi(item));
    return out;
}

// Head indices (layer · H + head), highest score first, ties to the lower index.
std::vector<int> ranking(const ScoreMatrix& m)
{
    std::vector<int> order(m.values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return m.values[std::size_t(x)] > m.values[std::size_t(y)]; });
    return order;
}

// Ranks 1..n with tied values sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& v)
{
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
            ++j;
        for (std::size_t k = i; k <= j; ++k)
            r[order[k]] = (static_cast<double>(i + j) / 2.0) + 1.0;
        i = j + 1;
    }
    return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b)
{
    const auto ra = ranks(a), rb = ranks(b);
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

std::string names(const std::vector<HeadRef>& heads)
{
    std::string s;
    for (const HeadRef& h : heads)
        s += (s.empty() ? "" : ",") + std::to_string(h.layer) + "-" + std::to_string(h.head);
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const Args a = parse(argc, argv);
        Engine engine;
        engine.load(a.model);
        const Tokenizer tokenizer = Tokenizer::fromDirectory(a.model);
        const std::vector<Needle> needles = loadNeedles(a.needles);
        const HeadMetric writeMetric = parseHeadMetric(a.metric);

        // 1. One probe records InfScore and the write score for the same tests.
        const std::filesystem::path session =
            std::filesystem::temp_directory_path() / ("bench_write_score_" + std::to_string(::getpid()) + ".h5");
        ProbeRequest probe;
        probe.needles = needles;
        probe.haystack = HaystackSpec::synthetic(a.probeSeed);
        probe.lengths = ints(a.lengths);
        probe.depths = parseDepths(a.depths);
        probe.maxNewTokens = a.maxNewTokens;
        probe.stopAtNewline = true;
        probe.out = session;
        ProbeRunner runner(engine, tokenizer);
        const ProbeSummary ps = runner.run(probe);
        const auto reader = SessionReader::open(session);
        SessionQuery q;
        q.gate = Gate::Rouge1;
        q.metric = HeadMetric::Inf;
        const SessionAggregate inf = reader->aggregate(q);
        q.metric = writeMetric;
        const SessionAggregate write = reader->aggregate(q);
        std::printf("model %s; probe: %d tests (%s tokens × depths %s × %zu needles), %d pass ROUGE-1 > 50, %.0f s\n\n",
                    a.model.string().c_str(), ps.testsWritten, a.lengths.c_str(), a.depths.c_str(), needles.size(),
                    inf.testsAccepted, ps.seconds);

        // 2. Top heads and rank agreement, for both write metrics.
        const int H = inf.mean.heads;
        const auto top8 = [H](const std::vector<int>& order) {
            std::vector<HeadRef> top;
            for (int i = 0; i < 8; ++i)
                top.push_back({order[std::size_t(i)] / H, order[std::size_t(i)] % H});
            return top;
        };
        const auto infOrder = ranking(inf.mean);
        const std::vector<HeadRef> infTop = top8(infOrder);
        std::printf("1. top-8 heads\n   %-13s %s\n", "InfScore", names(infTop).c_str());
        std::vector<int> writeOrder;
        for (const HeadMetric m : {HeadMetric::Write, HeadMetric::WriteNeedle}) {
            q.metric = m;
            const SessionAggregate agg = m == writeMetric ? write : reader->aggregate(q);
            const auto order = ranking(agg.mean);
            if (m == writeMetric)
                writeOrder = order;
            const std::vector<HeadRef> top = top8(order);
            int overlap = 0;
            for (const HeadRef& h : top)
                overlap += std::find(infTop.begin(), infTop.end(), h) != infTop.end();
            const std::string name(headMetricName(m));
            std::printf("   %-13s %s\n", name.c_str(), names(top).c_str());
            std::printf("   %-13s overlap with InfScore's top-8: %d of 8; Spearman rank correlation over all %zu heads "
                        "%.3f\n",
                        "", overlap, inf.mean.values.size(), spearman(inf.mean.values, agg.mean.values));
            std::printf("   %-13s values of its top-8 (logits):", "");
            for (int i = 0; i < 8; ++i)
                std::printf(" %.3f", agg.mean.values[std::size_t(order[std::size_t(i)])]);
            std::printf("\n   %-13s the same heads' InfScore:     ", "");
            for (int i = 0; i < 8; ++i)
                std::printf(" %.3f", inf.mean.values[std::size_t(order[std::size_t(i)])]);
            std::printf("\n");
        }
        if (writeOrder.empty())
            throw UsageError("bench_write_score: --metric must be write or write_needle");
        std::printf("\n");

        std::filesystem::remove(session);

        // 3. Masking on a fresh grid.
        ProbeRequest grid = probe;
        grid.haystack = HaystackSpec::synthetic(a.testSeed);
        grid.out = "bench_write_score"; // nothing is written; the grid only builds prompts
        const std::vector<SweepTest> tests = buildNeedleGrid(prepareProbe(grid, tokenizer), tokenizer);
        GenerateOptions generation;
        generation.maxNewTokens = a.maxNewTokens;
        generation.stopAtEos = true;
        generation.stopTokens = tokenizer.encode("\n");
        auto accuracy = [&](const std::vector<HeadRef>& masked) {
            GenerateOptions o = generation;
            o.maskedHeads = masked;
            int ok = 0;
            for (const SweepTest& t : tests)
                ok += rouge1Recall(t.needle.realNeedle, tokenizer.decode(engine.generate(t.promptIds, o).generatedIds)) > 50.0;
            return 100.0 * ok / static_cast<double>(tests.size());
        };
        std::printf("2. needle accuracy (%% of %zu tests, haystack seed %llu) with the top-k heads masked\n",
                    tests.size(), static_cast<unsigned long long>(a.testSeed));
        std::printf("   no heads masked %6.1f\n   %-14s", accuracy({}), "k");
        const std::vector<int> ks = ints(a.ks);
        for (int k : ks)
            std::printf(" %6d", k);
        for (const std::vector<int>* order : {&infOrder, static_cast<const std::vector<int>*>(&writeOrder)}) {
            std::printf("\n   %-14s", order == &infOrder ? "InfScore" : a.metric.c_str());
            for (int k : ks) {
                std::vector<HeadRef> heads;
                for (int i = 0; i < k; ++i)
                    heads.push_back({(*order)[std::size_t(i)] / H, (*order)[std::size_t(i)] % H});
                std::printf(" %6.1f", accuracy(heads));
                std::fflush(stdout);
            }
        }
        std::printf("\n");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_write_score: %s\n", e.what());
        return 1;
    }
}
