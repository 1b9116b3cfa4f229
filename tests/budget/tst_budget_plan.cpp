// BudgetPlan arithmetic: KV-group aggregation, physical bytes per layout (computed by hand in
// the comments), context truncation, and budget-file round trips and validation errors.
#include "headscope/core/budget_file.h"
#include "headscope/core/budget_plan.h"
#include "headscope/core/errors.h"

#include <QtTest/QtTest>

using namespace headscope;

namespace {
// 1 layer, 4 query heads in 2 KV groups, window 2.
BudgetPlan smallPlan()
{
    BudgetPlan p;
    p.layers = 1;
    p.heads = 4;
    p.window = 2;
    p.capacities = {1, 4, 10, 3};
    p.method = "headkv";
    p.parameters = {{"base_capacity", 8}, {"window", 2}, {"beta", 1.2}};
    return p;
}
const ModelDims kDims{1, 4, 2, 16, {}};
} // namespace

class TestBudgetPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void groupAggregation()
    {
        const BudgetPlan p = smallPlan();
        QCOMPARE(toKvHeadPlan(p, 2, GroupAggregation::Mean).capacities, (std::vector<int64_t>{2, 6})); // 2.5→2, 6.5→6
        QCOMPARE(toKvHeadPlan(p, 2, GroupAggregation::Max).capacities, (std::vector<int64_t>{4, 10}));
        QCOMPARE(toKvHeadPlan(p, 2, GroupAggregation::Sum).capacities, (std::vector<int64_t>{5, 13}));
        const BudgetPlan kv = toKvHeadPlan(p, 2, GroupAggregation::Max);
        QCOMPARE(kv.granularity, HeadGranularity::KvHead);
        QCOMPARE(toQueryHeadPlan(kv, 4).capacities, (std::vector<int64_t>{4, 4, 10, 10}));
        QVERIFY_THROWS_EXCEPTION(UsageError, toKvHeadPlan(p, 3, GroupAggregation::Mean));
        QVERIFY_THROWS_EXCEPTION(UsageError, toKvHeadPlan(kv, 1, GroupAggregation::Mean));
    }

    void physicalBytesByHand()
    {
        const BudgetPlan p = smallPlan();
        QCOMPARE(p.logicalTokens(), int64_t{18 + 8}); // Σ caps 18 + 4 heads × window 2
        // Per token: 16 dims × 2 (K, V) × 2 bytes (bf16) = 64 bytes.
        // Query-head layout: 26 tokens → 1664 bytes; metadata int32 head_lens[4] + cu_klen[5] = 36.
        const MemoryEstimate q = estimateMemory(p, kDims, CacheLayout::QueryHeadFlattened, KvDtype::BF16);
        QCOMPARE(q.storedHeadsPerLayer, 4);
        QCOMPARE(q.storedTokens, int64_t{26});
        QCOMPARE(q.kvBytes, int64_t{1664});
        QCOMPARE(q.metadataBytes, int64_t{36});
        QCOMPARE(q.totalBytes, int64_t{1700});
        QCOMPARE(physicalBytes(p, kDims, CacheLayout::QueryHeadFlattened, KvDtype::BF16), int64_t{1700});
        // GQA-native, mean: KV caps (2, 6) + window → 4 + 8 = 12 tokens → 768 bytes; metadata 2 + 3 ints = 20.
        const MemoryEstimate g = estimateMemory(p, kDims, CacheLayout::GqaFlattened, KvDtype::BF16);
        QCOMPARE(g.storedTokens, int64_t{12});
        QCOMPARE(g.kvBytes, int64_t{768});
        QCOMPARE(g.metadataBytes, int64_t{20});
        // Padded: both KV heads padded to 8 tokens: 16 × 64 = 1024, of which 4 tokens (256 B) padding.
        const MemoryEstimate pad = estimateMemory(p, kDims, CacheLayout::Padded, KvDtype::BF16);
        QCOMPARE(pad.kvBytes, int64_t{768});
        QCOMPARE(pad.paddingBytes, int64_t{256});
        QCOMPARE(pad.totalBytes, int64_t{1024});
        // f32 doubles the K/V bytes; a context of 6 truncates caps to 6 − 2 = 4 and gives a full cache
        // of 1 layer × 2 KV heads × 6 tokens × 16 × 2 × 4 = 1536 bytes.
        const MemoryEstimate ctx = estimateMemory(p, kDims, CacheLayout::GqaFlattened, KvDtype::F32, 6);
        QCOMPARE(ctx.storedTokens, int64_t{(2 + 2) + (4 + 2)});
        QCOMPARE(ctx.kvBytes, int64_t{10 * 128});
        QCOMPARE(ctx.fullCacheBytes, int64_t{1536});
        QCOMPARE(p.logicalTokens(6), int64_t{(1 + 4 + 4 + 3) + 8});
        // Query layout stores group-size × the KV-native bytes for equal per-head token counts.
        BudgetPlan even = p;
        even.capacities = {6, 6, 6, 6};
        QCOMPARE(estimateMemory(even, kDims, CacheLayout::QueryHeadFlattened, KvDtype::BF16).kvBytes,
                 2 * estimateMemory(even, kDims, CacheLayout::GqaFlattened, KvDtype::BF16).kvBytes);
        QVERIFY_THROWS_EXCEPTION(UsageError, estimateMemory(p, ModelDims{2, 4, 2, 16, {}}, CacheLayout::Padded, KvDtype::BF16));
    }

    // A local layer (sliding window W) holds at most the W − 1 prompt tokens its next query can
    // see; the rest of its budget is reported as beyond the window, never silently held.
    void slidingWindowLayers()
    {
        BudgetPlan p = smallPlan(); // caps {1, 4, 10, 3}, window 2 → planned 3, 6, 12, 5 per query head
        p.layers = 2;
        p.capacities = {1, 4, 10, 3, 1, 4, 10, 3};
        const ModelDims dims{2, 4, 2, 16, {6, 0}}; // layer 0 local with window 6, layer 1 global
        QCOMPARE(p.heldTokens(0, 2, std::nullopt, 6), int64_t{5});  // 12 planned, 5 visible
        QCOMPARE(p.heldTokens(0, 0, std::nullopt, 6), int64_t{3});  // under the window: as planned
        QCOMPARE(p.heldTokens(0, 2, 4, 6), int64_t{4});             // a 4-token prompt is all there is
        QCOMPARE(p.heldTokens(1, 2, std::nullopt, 0), int64_t{12}); // global: as planned
        const MemoryEstimate q = estimateMemory(p, dims, CacheLayout::QueryHeadFlattened, KvDtype::BF16);
        // Layer 0 holds min(3,5) + min(6,5) + min(12,5) + min(5,5) = 18 of 26; layer 1 all 26.
        QCOMPARE(q.storedTokens, int64_t{18 + 26});
        QCOMPARE(q.beyondWindowTokens, int64_t{8});
        QCOMPARE(q.layerBeyondWindowTokens, (std::vector<int64_t>{8, 0}));
        // KV-native: mean caps (2, 6) + window → 4 and 8 planned on each layer; layer 0 holds 4 + 5.
        const MemoryEstimate g = estimateMemory(p, dims, CacheLayout::GqaFlattened, KvDtype::BF16);
        QCOMPARE(g.storedTokens, int64_t{(4 + 5) + (4 + 8)});
        QCOMPARE(g.beyondWindowTokens, int64_t{3});
        // The windows travel with the plan in budget files.
        p.model = dims;
        const BudgetPlan back = parseBudgetPlan(budgetPlanToJson(p), "mem");
        QCOMPARE(back.model->slidingWindows, (std::vector<int64_t>{6, 0}));
    }

    void budgetFileRoundTrip()
    {
        BudgetPlan p = smallPlan();
        p.model = kDims;
        p.provenance = "scores:/x.json sha256:abc";
        p.groupAggregation = GroupAggregation::Mean;
        const std::string text = budgetPlanToJson(p);
        const BudgetPlan back = parseBudgetPlan(text, "mem");
        QCOMPARE(back.capacities, p.capacities);
        QCOMPARE(back.window, 2);
        QCOMPARE(back.method, std::string("headkv"));
        QCOMPARE(back.parameters.at("beta"), 1.2);
        QCOMPARE(back.provenance, p.provenance);
        QVERIFY(back.model.has_value());
        QCOMPARE(back.model->kvHeads, 2);
        QCOMPARE(back.groupAggregation.value(), GroupAggregation::Mean);
        QCOMPARE(budgetPlanToJson(back), text);
        const std::string path = std::string(HEADSCOPE_TEST_DATA_DIR) + "/tst_budget_plan.json";
        writeBudgetFile(path, p);
        QCOMPARE(readBudgetFile(path).capacities, p.capacities);
    }

    void budgetFileErrors_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("key");
        QTest::newRow("method") << "\"method\": \"headkv\"" << "\"method\": \"magic\"" << "'method'";
        QTest::newRow("granularity") << "\"query_head\"" << "\"layer\"" << "'granularity'";
        QTest::newRow("negative cap") << "[1, 4, 10, 3]" << "[1, -4, 10, 3]" << "'capacities[0][1]'";
        QTest::newRow("short row") << "[1, 4, 10, 3]" << "[1, 4, 10]" << "'capacities[0]'";
        QTest::newRow("total") << "\"total_selected\": 18" << "\"total_selected\": 19" << "'total_selected'";
        QTest::newRow("format") << "headscope-budget" << "other" << "'format'";
        QTest::newRow("model heads") << "\"query_heads\": 4" << "\"query_heads\": 8" << "'heads'";
    }
    void budgetFileErrors()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, key);
        BudgetPlan p = smallPlan();
        p.model = kDims;
        std::string text = budgetPlanToJson(p);
        const auto pos = text.find(from.toStdString());
        QVERIFY(pos != std::string::npos);
        text.replace(pos, static_cast<std::size_t>(from.size()), to.toStdString());
        try {
            parseBudgetPlan(text, "bad.json");
            QFAIL("invalid budget accepted");
        } catch (const FormatError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find(key.toStdString()) != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("bad.json") != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("expected") != std::string::npos, msg.c_str());
        }
    }

    // Numbers no model has are refused by key before a plan is sized, summed or narrowed to
    // int from them: 2^31 - 1 heads reserved 16 GB before the row check (std::bad_alloc
    // escaped), 2^32 + 1 layers narrowed to 1 and a one-row plan was accepted, capacities near
    // 2^63 overflowed the total.
    void budgetFileBounds_data()
    {
        QTest::addColumn<QByteArray>("layers");
        QTest::addColumn<QByteArray>("heads");
        QTest::addColumn<QByteArray>("window");
        QTest::addColumn<QByteArray>("capacities");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("heads") << QByteArray("1") << QByteArray("2147483647") << QByteArray("2") << QByteArray("[[1]]")
                               << QByteArray("budget key 'heads': expected an integer in [1, 1024], found 2147483647");
        QTest::newRow("layers narrowed") << QByteArray("4294967297") << QByteArray("1") << QByteArray("2")
                                         << QByteArray("[[1]]") << QByteArray("budget key 'layers': expected an integer in [1, 1024]");
        QTest::newRow("window") << QByteArray("1") << QByteArray("1") << QByteArray("99999999999") << QByteArray("[[1]]")
                                << QByteArray("budget key 'window': expected an integer in [0, 16777216]");
        QTest::newRow("capacity") << QByteArray("1") << QByteArray("2") << QByteArray("2")
                                  << QByteArray("[[9223372036854775807, 9223372036854775807]]")
                                  << QByteArray("budget key 'capacities[0][0]': expected an integer in [0, 16777216]");
    }
    void budgetFileBounds()
    {
        QFETCH(QByteArray, layers);
        QFETCH(QByteArray, heads);
        QFETCH(QByteArray, window);
        QFETCH(QByteArray, capacities);
        QFETCH(QByteArray, message);
        const QByteArray text = R"({"format": "headscope-budget", "version": 1, "method": "uniform", "granularity": "kv_head",
                                    "layers": )" + layers + ", \"heads\": " + heads + ", \"window\": " + window +
                                ", \"capacities\": " + capacities + "}";
        try {
            parseBudgetPlan(text.toStdString(), "bounds.json");
            QFAIL("accepted");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestBudgetPlan)
#include "tst_budget_plan.moc"
