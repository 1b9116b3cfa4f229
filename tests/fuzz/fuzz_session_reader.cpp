// libFuzzer: an HDF5 probe session → SessionReader: open (an older-format file through the
// current-format copy a child process makes of it), every test's steps, prompt ids and stored full
// rows, and aggregates. The seed corpus holds sessions written by SessionWriter;
// libFuzzer mutates their bytes. Run with HEADSCOPE_FUZZ_WRITE_SEED=FILE to (re)write the seed.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include <cstdint>
#include <cstdlib>

using namespace headscope;

namespace {

// Two tests of a 2-layer, 2-head model: scores, per-step statistics, prompt ids and (for the
// second) one step of full attention rows; the smallest session that has every dataset.
void writeSeed(const std::filesystem::path& out)
{
    std::filesystem::remove(out);
    SessionManifest m;
    m.layers = 2;
    m.heads = 2;
    m.kvHeads = 1;
    m.headDim = 4;
    m.lengths = {16};
    m.depths = {0.0, 1.0};
    m.needlesJsonl = "{\"needle\": \"n\", \"question\": \"q\"}\n";
    m.modelPath = "tiny";
    auto writer = SessionWriter::create(out, m);
    for (int id = 0; id < 2; ++id) {
        SessionTest t;
        t.id = id;
        t.length = 16;
        t.depth = id;
        t.spanStart = 2;
        t.spanEnd = 4;
        t.promptLength = 6;
        t.promptIds = {1, 2, 3, 4, 5, 6};
        t.generatedIds = {3, 4};
        t.text = "n";
        t.rouge1Recall = 100.0 * id;
        t.qaF1 = 50.0;
        t.scores.layers = 2;
        t.scores.heads = 2;
        t.scores.scoredRows = 2;
        for (std::size_t k = 0; k < t.scores.values.size(); ++k)
            t.scores.values[k].assign(4, 0.25 * static_cast<double>(k + id));
        std::vector<StoredStep> steps(2);
        for (StoredStep& s : steps) {
            s.token = 3;
            s.rows.resize(4);
            for (RowStats& r : s.rows) {
                r.topIndices = {2, 5};
                r.topWeights = {0.75f, 0.25f};
                r.needleMass = 0.75;
                r.spanTopMass = 0.5;
                r.rowLength = 6;
            }
        }
        std::vector<FullAttentionRows> rows;
        if (id == 1)
            rows.push_back({0, 6, std::vector<uint16_t>(2 * 2 * 6, 0x3c00)});
        writer->appendTest(t, steps, rows);
    }
}

} // namespace

// libhdf5 sizes some metadata buffers (a group's local heap) from what the file claims, so a
// damaged size asks malloc for tens of GB; the read past the end of the file then fails cleanly.
// Without a sanitizer the untouched allocation costs nothing, but ASan poisons an eighth of it in
// shadow memory, which trips the 2 GB RSS limit. Refusing requests over that limit (as a machine
// that cannot back them would) lets HDF5 report the failure as it does without ASan.
//
// Older-format inputs are copied in a child process (core/session/h5_older_format.h). After each
// fork this process takes a page fault on every page it writes again; a smaller quarantine of
// freed memory (64 MB instead of 256) keeps its allocations on fewer pages: 18 → 14 ms per input.
extern "C" const char* __asan_default_options()
{
    return "allocator_may_return_null=1:max_allocation_size_mb=2048:quarantine_size_mb=64";
}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* seed = std::getenv("HEADSCOPE_FUZZ_WRITE_SEED")) {
        writeSeed(seed);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    const auto path = fuzz::scratchDir() / "session.h5";
    fuzz::writeFile(path, fuzz::asText(data, size));
    std::unique_ptr<SessionReader> reader;
    try {
        reader = SessionReader::open(path);
    } catch (const Error&) {
        return 0;
    }
    for (const SessionTest& t : reader->tests()) {
        try {
            (void)reader->steps(t.id);
        } catch (const Error&) {
        }
        try {
            (void)reader->promptIds(t.id);
        } catch (const Error&) {
        }
        try {
            for (int step : reader->fullRowSteps(t.id)) {
                int64_t rowLength = 0;
                const std::vector<float> rows = reader->fullRows(t.id, step, &rowLength);
                HEADSCOPE_FUZZ_CHECK(rows.size() == static_cast<std::size_t>(reader->manifest().layers) *
                                                        static_cast<std::size_t>(reader->manifest().heads) *
                                                        static_cast<std::size_t>(rowLength));
            }
        } catch (const Error&) {
        }
    }
    for (Gate gate : {Gate::None, Gate::Rouge1}) {
        SessionQuery q;
        q.gate = gate;
        try {
            const SessionAggregate a = reader->aggregate(q);
            HEADSCOPE_FUZZ_CHECK(a.testsAccepted <= a.testsConsidered);
        } catch (const Error&) {
        }
    }
    return 0;
}
