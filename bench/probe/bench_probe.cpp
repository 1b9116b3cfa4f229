// bench_probe: what the probe costs on top of plain generation, and how its memory grows.
//
// Default mode, a 4-layer toy model: for each context length, one child process generates with
// no observer (plain) and one with the probe's observer (every scored row reduced at once to
// top-K statistics); each reports wall time and its peak RSS (VmHWM).
//   usage: bench_probe [--contexts 2048,8192,32768] [--new-tokens 16]
//
// --shape 1b|3b|8b (real model shapes, random bf16 weights written once into the temp
// directory): a one-test, one-needle probe at --context tokens, as `headscope-cli probe` runs it
// (load, weight hashes for the manifest, prompt, generation with the observer, HDF5 session),
// each as a whole fresh process timed from outside: once with an empty weight-digest cache and
// once with it warm, against a process that loads and generates on the same prompt ids.
//   usage: bench_probe --shape 8b [--context 4096] [--dtypes bf16,f32] [--new-tokens 16]
// Goal (docs/performance.md): the one-test probe <= 1.5x the wall time of that generation.
// Ratios come from the same run on the same machine.
#include "../common/bench_shapes.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/haystack.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/row_stats.h"
#include "headscope/core/runtime_setup.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"
#include "headscope/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace headscope;
using namespace headscope::bench;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

LoadOptions loadFor(const std::string& dtype)
{
    LoadOptions lo;
    lo.dtype = dtype == "bf16" ? DType::BF16 : DType::F32;
    return lo;
}

// `headscope-cli probe` for one test: one needle at depth 0.5, one length, into `session`.
int probeChild(const std::string& model, const std::string& dtype, int context, int newTokens, const std::string& session)
{
    Engine engine;
    try {
        engine.load(model, loadFor(dtype));
    } catch (const ResourceError& e) {
        std::printf("refused=1\n");
        std::fprintf(stderr, "%s: %s\n", dtype.c_str(), e.what());
        return 0;
    }
    const Tokenizer tokenizer = Tokenizer::fromDirectory(model);
    ProbeRequest c;
    c.needles = {defaultNeedles().front()};
    c.haystack = HaystackSpec::synthetic(1);
    c.lengths = {context};
    c.depths = {0.5};
    c.maxNewTokens = newTokens;
    c.out = session;
    ProbeRunner runner(engine, tokenizer);
    const ProbeSummary s = runner.run(c);
    std::printf("load_s=%.3f probe_s=%.3f written=%d peak_rss=%lld\n", engine.loadSeconds(), s.seconds, s.testsWritten,
                bench::peakRssBytes());
    return 0;
}

// Load and generate on the probe's recorded prompt ids, with nothing observed or written.
int generateChild(const std::string& model, const std::string& dtype, int newTokens, const std::string& session)
{
    const auto reader = SessionReader::open(session);
    const std::vector<int32_t> ids = reader->promptIds(reader->tests().front().id);
    Engine engine;
    engine.load(model, loadFor(dtype));
    GenerateOptions o;
    o.maxNewTokens = newTokens;
    o.stopAtEos = true;
    const GenerateResult r = engine.generate(ids, o);
    std::printf("load_s=%.3f prefill_ms=%.1f decode_ms=%.2f prompt=%zu generated=%zu peak_rss=%lld\n",
                engine.loadSeconds(), r.prefillMs, r.decodeMsPerToken, ids.size(), r.generatedIds.size(),
                bench::peakRssBytes());
    return 0;
}

// The real-shape comparison (see the header).
int shapeMain(const char* self, const std::string& shape, int context, const std::vector<std::string>& dtypes, int newTokens)
{
    const auto model = shapeCheckpoint(shape);
    const Checkpoint cp = Checkpoint::open(model);
    const ModelConfig& c = cp.config();
    const auto work = std::filesystem::temp_directory_path() / ("headscope-bench-probe-" + shape);
    std::filesystem::create_directories(work);
    std::printf("model: %s shape, %lld layers, hidden %lld, %.2f B parameters, %.2f GB of weights; one needle, depth "
                "0.5, %d tokens, up to %d new tokens\n\n",
                shape.c_str(), static_cast<long long>(c.numLayers), static_cast<long long>(c.hiddenSize),
                static_cast<double>(c.parameterCount()) / 1e9, static_cast<double>(cp.weightBytes()) / 1e9, context,
                newTokens);
    std::printf("%-5s %-18s %9s %8s %10s %10s %9s %10s\n", "dtype", "process", "wall s", "load s", "prefill s",
                "decode ms", "peak GB", "vs generate");
    for (const std::string& dtype : dtypes) {
        const std::string session = (work / (dtype + ".h5")).string();
        const auto cache = work / "xdg-cache";
        std::filesystem::remove_all(cache);
        std::filesystem::remove(session);
        auto probe = [&](const char* label) {
            const auto t0 = Clock::now();
            ChildOutput out = runChild("XDG_CACHE_HOME=" + cache.string() + " " + self + " --probe-child " +
                                       model.string() + " " + dtype + " " + std::to_string(context) + " " +
                                       std::to_string(newTokens) + " " + session);
            out["wall"] = std::to_string(secondsSince(t0));
            out["label"] = label;
            std::filesystem::remove(session + ".keep");
            if (number(out, "written") == 1)
                std::filesystem::copy_file(session, session + ".keep");
            std::filesystem::remove(session);
            return out;
        };
        const ChildOutput cold = probe("probe, cold hashes");
        if (number(cold, "refused", 0) == 1) {
            std::printf("%-5s refused by the memory check (see the message above)\n", dtype.c_str());
            continue;
        }
        const ChildOutput warm = probe("probe, cached");
        const auto t0 = Clock::now();
        ChildOutput gen = runChild(std::string(self) + " --generate-child " + model.string() + " " + dtype + " " +
                                   std::to_string(newTokens) + " " + session + ".keep");
        const double genWall = secondsSince(t0);
        if (number(gen, "status") != 0 || number(cold, "status") != 0 || number(warm, "status") != 0) {
            std::printf("%-5s a child failed\n", dtype.c_str());
            continue;
        }
        std::printf("%-5s %-18s %9.2f %8.3f %10.2f %10.1f %9.2f %10s\n", dtype.c_str(), "generate", genWall,
                    number(gen, "load_s"), number(gen, "prefill_ms") / 1e3, number(gen, "decode_ms"),
                    number(gen, "peak_rss") / 1e9, "1.00x");
        for (const ChildOutput* p : {&cold, &warm}) {
            char ratio[32];
            std::snprintf(ratio, sizeof ratio, "%.2fx", number(*p, "wall") / genWall);
            std::printf("%-5s %-18s %9.2f %8.3f %10s %10s %9.2f %10s\n", dtype.c_str(), p->at("label").c_str(),
                        number(*p, "wall"), number(*p, "load_s"), "", "", number(*p, "peak_rss") / 1e9, ratio);
        }
        std::printf("%-5s prompt %s tokens, %s generated; probe wall includes the weight hashes (cold), the prompt, the\n"
                    "      observer's rows and the HDF5 session\n",
                    dtype.c_str(), gen.count("prompt") ? gen.at("prompt").c_str() : "?",
                    gen.count("generated") ? gen.at("generated").c_str() : "?");
        std::filesystem::remove(session + ".keep");
    }
    std::filesystem::remove_all(work);
    return 0;
}

class ProbeObserver : public ForwardObserver {
public:
    explicit ProbeObserver(NeedleSpan span) : m_span(span) {}
    bool wants(HookPoint p) const override { return p == HookPoint::AttnPattern; }
    void onHook(const HookEvent& e) override
    {
        const auto keys = static_cast<std::size_t>(e.shape[1]);
        for (int64_t h = 0; h < e.shape[0]; ++h)
            m_kept.push_back(reduceAttentionRow(e.values.subspan(static_cast<std::size_t>(h) * keys, keys), m_span, 10));
    }
    std::size_t rows() const { return m_kept.size(); }

private:
    NeedleSpan m_span;
    std::vector<RowStats> m_kept;
};

long peakRssKb()
{
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

int child(const std::string& model, int ctx, int newTokens, bool probe)
{
    Engine engine;
    engine.load(model);
    std::vector<int32_t> prompt(static_cast<std::size_t>(ctx));
    for (int i = 0; i < ctx; ++i)
        prompt[static_cast<std::size_t>(i)] = (i * 7919 + 13) % 250;
    GenerateOptions o;
    o.maxNewTokens = newTokens;
    o.prefillChunk = 1024;
    ProbeObserver observer({ctx / 2, ctx / 2 + 20});
    const auto t0 = std::chrono::steady_clock::now();
    engine.generate(prompt, o, probe ? &observer : nullptr);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%.6f %ld %zu\n", s, peakRssKb(), observer.rows());
    return 0;
}

std::vector<double> runChild(const char* self, const std::string& model, int ctx, int newTokens, bool probe)
{
    const std::string cmd = std::string(self) + " --child " + model + " " + std::to_string(ctx) + " " +
                            std::to_string(newTokens) + " " + (probe ? "probe" : "plain");
    FILE* pipe = popen(cmd.c_str(), "r");
    double s = 0, rss = 0, rows = 0;
    if (!pipe || std::fscanf(pipe, "%lf %lf %lf", &s, &rss, &rows) != 3)
        std::fprintf(stderr, "child failed: %s\n", cmd.c_str());
    if (pipe)
        pclose(pipe);
    return {s, rss / 1024.0, rows};
}

} // namespace

int main(int argc, char** argv)
{
    configureAllocator();
    try {
        if (argc == 7 && std::strcmp(argv[1], "--probe-child") == 0)
            return probeChild(argv[2], argv[3], std::stoi(argv[4]), std::stoi(argv[5]), argv[6]);
        if (argc == 6 && std::strcmp(argv[1], "--generate-child") == 0)
            return generateChild(argv[2], argv[3], std::stoi(argv[4]), argv[5]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_probe child: %s\n", e.what());
        return 1;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--shape") != 0)
            continue;
        int context = 4096, newTokens = 16;
        std::vector<std::string> dtypes = {"bf16", "f32"};
        for (int j = 1; j + 1 < argc; j += 2) {
            if (std::strcmp(argv[j], "--context") == 0)
                context = std::stoi(argv[j + 1]);
            else if (std::strcmp(argv[j], "--dtypes") == 0)
                dtypes = parseWords(argv[j + 1]);
            else if (std::strcmp(argv[j], "--new-tokens") == 0)
                newTokens = std::stoi(argv[j + 1]);
        }
        return shapeMain(argv[0], argv[i + 1], context, dtypes, newTokens);
    }
    if (argc == 6 && std::strcmp(argv[1], "--child") == 0) {
        try {
            return child(argv[2], std::stoi(argv[3]), std::stoi(argv[4]), std::strcmp(argv[5], "probe") == 0);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_probe child: %s\n", e.what());
            return 1;
        }
    }
    std::vector<int> contexts = {2048, 8192, 32768};
    int newTokens = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--contexts") == 0) {
            contexts.clear();
            std::stringstream ss(argv[i + 1]);
            for (std::string item; std::getline(ss, item, ',');)
                contexts.push_back(std::stoi(item));
        } else if (std::strcmp(argv[i], "--new-tokens") == 0) {
            newTokens = std::stoi(argv[i + 1]);
        }
    }
    TestModelSpec spec;
    spec.layers = 4;
    spec.hidden = 256;
    spec.heads = 8;
    spec.kvHeads = 2;
    spec.intermediate = 512;
    spec.vocab = 256;
    spec.seed = 3;
    const auto dir = std::filesystem::temp_directory_path() / "headscope-bench-probe";
    writeTestModel(spec, dir);
    std::printf("model: llama 4 layers, hidden 256, 8 heads / 2 kv, f32; %d new tokens; each figure the median of 3 separate processes\n\n",
                newTokens);
    std::printf("%8s %10s %10s %8s %12s %12s %12s %10s\n", "context", "plain s", "probe s", "ratio", "plain MiB", "probe MiB",
                "KV MiB", "rows");
    for (int ctx : contexts) {
        runChild(argv[0], dir.string(), std::min(ctx, 512), 2, false); // warm the page cache
        // Median of three alternating runs each, so one noisy run does not decide the ratio.
        std::vector<std::vector<double>> plains, probes;
        for (int r = 0; r < 3; ++r) {
            plains.push_back(runChild(argv[0], dir.string(), ctx, newTokens, false));
            probes.push_back(runChild(argv[0], dir.string(), ctx, newTokens, true));
        }
        auto median = [](std::vector<std::vector<double>> v) {
            std::sort(v.begin(), v.end());
            return v[1];
        };
        const auto plain = median(plains);
        const auto probe = median(probes);
        const double kvMiB = 2.0 * 4 * 2 * (ctx + newTokens) * 32 * 4 / 1048576.0;
        std::printf("%8d %10.3f %10.3f %8.3f %12.1f %12.1f %12.2f %10.0f\n", ctx, plain[0], probe[0], probe[0] / plain[0],
                    plain[1], probe[1], kvMiB, probe[2]);
    }
    std::printf("\nratio = probe wall time / plain generation (goal <= 1.15). Peak RSS includes the prefill's\n"
                "bounded attention scratch (query blocks x all keys), which grows linearly with context.\n");
    std::filesystem::remove_all(dir);
    return 0;
}
