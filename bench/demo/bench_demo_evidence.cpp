// bench_demo_evidence: does the method work end to end on the bundled demo model?
//  1. Needle accuracy with no heads masked, with the 8 heads of highest InfScore masked, and
//     with 8 random heads masked (mean over several draws).
//  2. Needle accuracy vs KV budget for uniform SnapKV, HeadKV and DiliLazyKV allocations made
//     from the demo session's InfScores, at equal total budget, against the full cache.
// Accuracy = share of tests whose answer has ROUGE-1 recall > 50 of real_needle ("KEY VALUE"),
// i.e. the value was copied from the needle. Everything is measured in this run.
//   usage: bench_demo_evidence [--model DIR] [--session S.h5] [--needles FILE] [--lengths 512,1024]
//                              [--depths 0,0.25,0.5,0.75,1] [--draws 5] [--budgets 16,24,32,48,64]
//                              [--methods uniform,headkv,dililazykv] [--max-new-tokens 40] [--seed 7]
#include "headscope/core/answer_scoring.h"
#include "headscope/core/budget_sweep.h"
#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/gates.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace headscope;

namespace {

std::vector<std::string> split(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

struct Args {
    std::filesystem::path model = HEADSCOPE_SOURCE_DIR "/resources/demo_model";
    std::filesystem::path session = HEADSCOPE_SOURCE_DIR "/sample_sessions/demo_probe.h5";
    std::filesystem::path needles = HEADSCOPE_SOURCE_DIR "/resources/demo_model/needles.jsonl";
    std::string lengths = "512,1024", depths = "0,0.25,0.5,0.75,1", budgets = "16,24,32,48,64",
                methods = "uniform,headkv,dililazykv";
    int draws = 5, maxNewTokens = 40;
    uint64_t seed = 7;
};

Args parse(int argc, char** argv)
{
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") a.model = v;
        else if (k == "--session") a.session = v;
        else if (k == "--needles") a.needles = v;
        else if (k == "--lengths") a.lengths = v;
        else if (k == "--depths") a.depths = v;
        else if (k == "--budgets") a.budgets = v;
        else if (k == "--methods") a.methods = v;
        else if (k == "--draws") a.draws = std::stoi(v);
        else if (k == "--max-new-tokens") a.maxNewTokens = std::stoi(v);
        else if (k == "--seed") a.seed = std::stoull(v);
        else throw UsageError("bench_demo_evidence: unknown option " + k);
    }
    return a;
}

// The probe's gate on the probe's answer scoring.
bool correct(const Tokenizer& tokenizer, const Needle& needle, const std::vector<int32_t>& generated)
{
    return passesGate(scoreAnswer(tokenizer, generated, needle).rouge1);
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const Args a = parse(argc, argv);
        Engine engine;
        engine.load(a.model);
        const Tokenizer tokenizer = Tokenizer::fromDirectory(a.model);
        const ModelConfig& c = engine.config();
        ProbeRequest grid;
        grid.needles = loadNeedles(a.needles);
        grid.haystack = HaystackSpec::synthetic(a.seed);
        for (const std::string& l : split(a.lengths))
            grid.lengths.push_back(std::stoi(l));
        grid.depths = parseDepths(a.depths);
        grid.out = "bench_demo_evidence"; // nothing is written; the grid only builds prompts
        const std::vector<Needle>& needles = grid.needles;
        const std::vector<SweepTest> tests = buildNeedleGrid(prepareProbe(grid, tokenizer), tokenizer);
        GenerateOptions generation;
        generation.maxNewTokens = a.maxNewTokens;
        generation.stopAtEos = true;
        generation.stopTokens = tokenizer.encode("\n");

        const auto reader = SessionReader::open(a.session);
        SessionQuery q;
        q.metric = HeadMetric::Inf;
        q.gate = Gate::Rouge1;
        SessionAggregate scores = reader->aggregate(q);
        std::printf("model %s: %lld layers × %lld heads; %zu tests (%s tokens × depths %s × %zu needles)\n",
                    a.model.string().c_str(), static_cast<long long>(c.numLayers), static_cast<long long>(c.numHeads),
                    tests.size(), a.lengths.c_str(), a.depths.c_str(), needles.size());
        std::printf("head scores: InfScore from %s, %d of %d tests pass ROUGE-1 > 50\n\n", a.session.string().c_str(),
                    scores.testsAccepted, scores.testsConsidered);
        if (scores.testsAccepted == 0) {
            q.gate = Gate::None;
            scores = reader->aggregate(q);
        }

        auto accuracy = [&](const std::vector<HeadRef>& masked) {
            GenerateOptions o = generation;
            o.maskedHeads = masked;
            int ok = 0;
            for (const SweepTest& t : tests)
                ok += correct(tokenizer, t.needle, engine.generate(t.promptIds, o).generatedIds);
            return 100.0 * ok / static_cast<double>(tests.size());
        };

        // 1. Masking.
        std::vector<int> order(scores.mean.values.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int x, int y) { return scores.mean.values[std::size_t(x)] > scores.mean.values[std::size_t(y)]; });
        const int H = scores.mean.heads;
        std::vector<HeadRef> top;
        std::string topNames;
        for (int i = 0; i < 8; ++i) {
            top.push_back({order[std::size_t(i)] / H, order[std::size_t(i)] % H});
            topNames += (i ? "," : "") + std::to_string(top.back().layer) + "-" + std::to_string(top.back().head);
        }
        const double none = accuracy({});
        const double topAcc = accuracy(top);
        std::mt19937_64 rng(a.seed);
        std::vector<double> randomAcc;
        for (int d = 0; d < a.draws; ++d) {
            std::vector<int> all(order);
            std::shuffle(all.begin(), all.end(), rng);
            std::vector<HeadRef> heads;
            for (int i = 0; i < 8; ++i)
                heads.push_back({all[std::size_t(i)] / H, all[std::size_t(i)] % H});
            randomAcc.push_back(accuracy(heads));
        }
        const double mean = std::accumulate(randomAcc.begin(), randomAcc.end(), 0.0) / randomAcc.size();
        double var = 0.0;
        for (double x : randomAcc)
            var += (x - mean) * (x - mean);
        const double sd = randomAcc.size() > 1 ? std::sqrt(var / (randomAcc.size() - 1)) : 0.0;
        std::printf("1. masking (needle accuracy, %% of tests)\n");
        std::printf("   no heads masked                 %6.1f\n", none);
        std::printf("   8 highest-InfScore heads masked %6.1f   (%s)\n", topAcc, topNames.c_str());
        std::printf("   8 random heads masked           %6.1f ± %.1f (mean ± sd over %d draws:", mean, sd, a.draws);
        for (double x : randomAcc)
            std::printf(" %.1f", x);
        std::printf(")\n   drop: top-8 %.1f points, random-8 %.1f points\n\n", none - topAcc, none - mean);

        // 2. Accuracy vs budget.
        SweepConfig sweep;
        sweep.methods = parseAllocationMethods(a.methods);
        for (const std::string& b : split(a.budgets))
            sweep.budgets.push_back(std::stoll(b));
        sweep.params.window = 8;
        sweep.scores = scores.mean;
        sweep.generation = generation;
        const SweepResults r = runBudgetSweep(engine, tokenizer, tests, sweep);
        auto share = [&](auto outcome) {
            int ok = 0;
            for (std::size_t t = 0; t < r.tests.size(); ++t)
                ok += passesGate(outcome(t).rouge1);
            return 100.0 * ok / static_cast<double>(r.tests.size());
        };
        std::printf("2. needle accuracy (%% of tests) vs KV budget C per head (window 8), %zu tests\n", r.tests.size());
        std::printf("   full cache %.1f\n   %-12s", share([&](std::size_t t) { return r.full[t]; }), "method");
        for (int64_t b : r.budgets)
            std::printf(" %7s", ("C=" + std::to_string(b)).c_str());
        std::printf("\n");
        for (std::size_t m = 0; m < r.methods.size(); ++m) {
            std::printf("   %-12s", r.methods[m].c_str());
            for (std::size_t b = 0; b < r.budgets.size(); ++b)
                std::printf(" %7.1f", share([&](std::size_t t) { return r.at(m, b, t); }));
            std::printf("\n");
        }
        std::printf("   mean KV bytes:");
        for (std::size_t m = 0; m < r.methods.size(); ++m) {
            std::printf("  %s", r.methods[m].c_str());
            for (std::size_t b = 0; b < r.budgets.size(); ++b) {
                double s = 0;
                for (std::size_t t = 0; t < r.tests.size(); ++t)
                    s += static_cast<double>(r.at(m, b, t).kvBytes);
                std::printf(" %.0f", s / r.tests.size());
            }
        }
        std::printf("\n");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_demo_evidence: %s\n", e.what());
        return 1;
    }
}
