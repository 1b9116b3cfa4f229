// bench_probe: what the probe costs on top of plain generation, and how its memory grows.
// For each context length, one child process generates with no observer (plain) and one with
// the probe's observer (every scored row reduced at once to top-K statistics); each reports
// wall time and its peak RSS (VmHWM). Ratios come from the same run on the same machine.
//   usage: bench_probe [--contexts 2048,8192,32768] [--new-tokens 16]
#include "headscope/core/checkpoint.h"
#include "headscope/engine/engine.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/row_stats.h"
#include "headscope/core/runtime_setup.h"

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

namespace {

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
