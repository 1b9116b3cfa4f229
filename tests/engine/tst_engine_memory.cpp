// Compute dtype, weights used in place and the memory check: the dtype follows the
// checkpoint unless asked; tensors stored in the compute dtype are views of the mapped files
// (tied embeddings one tensor); the memory estimate adds up; runs that cannot fit under the
// available memory are refused with the estimate's parts named, and the engine stays usable.
#include "engine/tiny_models.h"

#include "headscope/core/errors.h"
#include "headscope/core/memory_estimate.h"
#include "headscope/engine/engine.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <string>

using namespace headscope;

namespace {

// Resident file-backed pages of this process (mapped checkpoints, libraries), bytes.
int64_t rssFileBytes()
{
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("RssFile:", 0) == 0)
            return std::stoll(line.substr(8)) * 1024;
    return -1;
}

} // namespace

class TestEngineMemory : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    std::string write(const char* name, ElementType dtype, bool tied = false)
    {
        TestModelSpec s = tinyModelCases().front().spec;
        s.dtype = dtype;
        s.tieEmbeddings = tied;
        const std::string path = m_dir.filePath(QString::fromLatin1(name)).toStdString();
        writeTestModel(s, path);
        return path;
    }

private Q_SLOTS:
    void computeDtypeFollowsTheCheckpoint()
    {
        struct Case {
            const char* name;
            ElementType stored;
            DType expected;
        };
        for (const Case& c : {Case{"f32", ElementType::F32, DType::F32}, Case{"bf16", ElementType::BF16, DType::BF16},
                              Case{"f16", ElementType::F16, DType::BF16}}) {
            Engine engine;
            engine.load(write(c.name, c.stored));
            QCOMPARE(engine.computeDtype(), c.expected);
            QVERIFY(engine.deviceDescription().find(std::string(dtypeName(c.expected))) != std::string::npos);
            LoadOptions f32;
            f32.dtype = DType::F32; // asked for: exactness wins over the checkpoint
            engine.load(write(c.name, c.stored), f32);
            QCOMPARE(engine.computeDtype(), DType::F32);
        }
        ModelConfig c;
        c.torchDtype = "float32";
        QCOMPARE(defaultComputeDtype(c, ElementType::BF16), DType::F32); // config.json decides
        c.torchDtype.clear();
        QCOMPARE(defaultComputeDtype(c, ElementType::BF16), DType::BF16); // else the stored dtype
    }

    void weightsUsedInPlace()
    {
        const std::string bf16 = write("inplace-bf16", ElementType::BF16, /*tied=*/true);
        Engine engine;
        engine.load(bf16);
        // Every tensor is a view of the mapping, and the tied lm_head is the embedding itself.
        QCOMPARE(engine.weightBytes(), engine.config().parameterCount() * 2);
        QCOMPARE(engine.mappedWeightBytes(), engine.weightBytes());
        GenerateOptions o;
        o.maxNewTokens = 3;
        const auto viaViews = engine.generate(testPrompt(), o).generatedIds; // the mapping outlived Checkpoint::open's scope

        LoadOptions f32;
        f32.dtype = DType::F32; // bf16 stored, f32 computed: converted copies, nothing mapped
        engine.load(bf16, f32);
        QCOMPARE(engine.mappedWeightBytes(), int64_t(0));
        QCOMPARE(engine.weightBytes(), engine.config().parameterCount() * 4);
        QCOMPARE(engine.generate(testPrompt(), o).generatedIds.size(), viaViews.size());

        engine.load(write("inplace-f32", ElementType::F32)); // f32 stored and computed: in place too
        QCOMPARE(engine.mappedWeightBytes(), engine.weightBytes());
    }

    // Resident memory follows: weights used in place are the file's pages once (no copy), and
    // a converted checkpoint does not keep its mapped source resident beside the copy.
    void residentPagesFollowTheMode()
    {
        TestModelSpec s = tinyModelCases().front().spec;
        s.hidden = 256;
        s.intermediate = 1024;
        s.vocab = 64;
        s.dtype = ElementType::BF16;
        const std::string path = m_dir.filePath(QStringLiteral("resident")).toStdString();
        writeTestModel(s, path);
        const int64_t stored = Checkpoint::open(path).weightBytes(); // ~2.4 MB: hundreds of pages
        GenerateOptions o;
        o.maxNewTokens = 2;
        {
            Engine engine;
            const int64_t before = rssFileBytes();
            engine.load(path);
            engine.generate(testPrompt(12, 64), o);
            const int64_t mapped = rssFileBytes() - before;
            qInfo("in place: %lld of %lld stored bytes resident as file pages", static_cast<long long>(mapped),
                  static_cast<long long>(stored));
            QVERIFY2(mapped > stored * 8 / 10, qPrintable(QString::number(mapped)));
        }
        Engine engine;
        LoadOptions f32;
        f32.dtype = DType::F32;
        const int64_t before = rssFileBytes();
        engine.load(path, f32);
        engine.generate(testPrompt(12, 64), o);
        const int64_t mapped = rssFileBytes() - before;
        qInfo("converted: %lld of %lld stored bytes resident as file pages", static_cast<long long>(mapped),
              static_cast<long long>(stored));
        QVERIFY2(mapped < stored / 10, qPrintable(QString::number(mapped)));
    }

    void estimateAddsUp()
    {
        const TestModelSpec spec = realShapeSpec("1b");
        ModelConfig c;
        c.hiddenSize = spec.hidden;
        c.intermediateSize = spec.intermediate;
        c.numLayers = spec.layers;
        c.numHeads = spec.heads;
        c.numKvHeads = spec.kvHeads;
        c.headDim = spec.hidden / spec.heads;
        c.vocabSize = spec.vocab;
        c.tieWordEmbeddings = true;
        MemoryRequest r;
        r.storedElementBytes = 2;
        r.computeElementBytes = 2;
        r.weightsInPlace = true;
        r.context = 4096;
        const RunMemoryEstimate e = estimateRunMemory(c, r);
        QCOMPARE(e.weightBytes, c.parameterCount() * 2); // 1.24 G parameters
        QVERIFY(e.weightBytes > 2'400'000'000 && e.weightBytes < 2'500'000'000);
        QCOMPARE(e.conversionBytes, int64_t(0));
        QCOMPARE(e.kvCacheBytes, int64_t(2) * 16 * 8 * 4096 * 64 * 2); // 128 MiB
        QVERIFY(e.scratchBytes > 0 && e.scratchBytes < e.weightBytes / 4);
        QCOMPARE(e.total(), e.weightBytes + e.kvCacheBytes + e.scratchBytes);
        r.context = 8192;
        QCOMPARE(estimateRunMemory(c, r).kvCacheBytes, 2 * e.kvCacheBytes);
        r.weightsInPlace = false;
        r.computeElementBytes = 4;
        const RunMemoryEstimate f32 = estimateRunMemory(c, r);
        QCOMPARE(f32.weightBytes, 2 * e.weightBytes);
        QCOMPARE(f32.conversionBytes, c.vocabSize * c.hiddenSize * 2); // the embedding table as stored
        // The parts named in a refusal add up to the total it states (the conversion included).
        QCOMPARE(f32.describe(false), "weights 4.94 GB (converted) + converting " + formatBytes(f32.conversionBytes) +
                                          " + KV cache " + formatBytes(f32.kvCacheBytes) + " + scratch " +
                                          formatBytes(f32.scratchBytes));
    }

    void runsThatCannotFitAreRefused()
    {
        const std::string path = write("limit", ElementType::BF16);
        Engine engine;
        LoadOptions tight;
        tight.memoryLimit = 1000; // bytes: less than the weights
        try {
            engine.load(path, tight);
            QFAIL("a load over the memory limit was accepted");
        } catch (const ResourceError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("weights") != std::string::npos && what.find("mapped in place") != std::string::npos &&
                         what.find(path) != std::string::npos &&
                         what.find("is available (memory limit 1 kB)") != std::string::npos,
                     e.what());
        }
        QVERIFY(!engine.isLoaded());

        engine.load(path); // measure, then allow the weights and a small run but not a long one
        const RunMemoryEstimate small = engine.memoryEstimate(64);
        tight.memoryLimit = small.total() + 1;
        engine.load(path, tight);
        GenerateOptions o;
        o.maxNewTokens = 4;
        QCOMPARE(engine.generate(testPrompt(), o).generatedIds.size(), std::size_t(4));
        o.maxNewTokens = 200000; // a KV cache far beyond the limit
        try {
            engine.generate(testPrompt(), o);
            QFAIL("a run over the memory limit was accepted");
        } catch (const ResourceError& e) {
            QVERIFY2(std::string(e.what()).find("KV cache") != std::string::npos &&
                         std::string(e.what()).find("less the loaded weights") != std::string::npos,
                     e.what());
        }
        o.maxNewTokens = 4; // refused before allocating: the engine is still usable
        QCOMPARE(engine.generate(testPrompt(), o).generatedIds.size(), std::size_t(4));

        LoadOptions unchecked = tight;
        unchecked.checkMemory = false;
        unchecked.memoryLimit = 1000;
        engine.load(path, unchecked);
        QVERIFY(engine.isLoaded());
    }

    void requireMemoryNamesTheParts()
    {
        requireMemory(10, -1, "x", "parts", "hint"); // unknown availability: no refusal
        requireMemory(10, 10, "x", "parts", "hint");
        try {
            requireMemory(3'000'000'000, 1'500'000'000, "loading M", "weights 3.00 GB", "use bf16");
            QFAIL("not refused");
        } catch (const ResourceError& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("loading M needs about 3.00 GB (weights 3.00 GB) but only 1.50 GB is available "
                                 "(MemAvailable, cgroup limit); use bf16"));
        }
        try {
            requireMemory(2'000'000, 1'500, "x", "parts", "hint", "a limit");
            QFAIL("not refused");
        } catch (const ResourceError& e) {
            QCOMPARE(std::string(e.what()), std::string("x needs about 2 MB (parts) but only 2 kB is available "
                                                        "(a limit); hint"));
        }
        QVERIFY(availableMemoryBytes() > 0);
        QVERIFY(peakResidentBytes() > 0);
    }
};

QTEST_GUILESS_MAIN(TestEngineMemory)
#include "tst_engine_memory.moc"
