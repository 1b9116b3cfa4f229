// The compressed cache's building blocks against independent computations: the fused varlen
// decode kernel against the per-head ATen path and against dense attention; SnapKV
// observation scores, pooling and group reduction against float64 loops.
#include "compress/compressed_kv_cache.h"
#include "compress/snapkv_scores.h"
#include "compress/varlen_attention.h"

#include "headscope/core/errors.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace headscope;
using namespace headscope::compress;

namespace {

struct Segments {
    std::vector<int64_t> offsets, lengths;
    at::Tensor k, v, positions; // [N, d], [N]
};

// Heads of different lengths with unused rows between them, positions shuffled per head.
Segments randomSegments(const std::vector<int64_t>& lengths, int64_t room, int64_t d, at::ScalarType dtype,
                        int64_t maxPosition)
{
    Segments s;
    int64_t rows = 0;
    for (int64_t n : lengths) {
        s.offsets.push_back(rows);
        s.lengths.push_back(n);
        rows += n + room;
    }
    s.k = at::randn({rows, d}).to(dtype);
    s.v = at::randn({rows, d}).to(dtype);
    s.positions = at::full({rows}, -1, at::kLong);
    for (std::size_t h = 0; h < lengths.size(); ++h)
        s.positions.narrow(0, s.offsets[h], lengths[h]).copy_(at::randperm(maxPosition).narrow(0, 0, lengths[h]));
    return s;
}

double maxAbs(const at::Tensor& a, const at::Tensor& b)
{
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

} // namespace

class TestVarlenAttention : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::manual_seed(7); }

    void fusedKernelMatchesAtenPath_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<int>("group");
        QTest::addColumn<qint64>("firstVisible");
        QTest::newRow("f32 gqa") << int(at::kFloat) << 4 << qint64(0);
        QTest::newRow("f32 query-layout") << int(at::kFloat) << 1 << qint64(0);
        QTest::newRow("f32 sliding window") << int(at::kFloat) << 2 << qint64(30);
        QTest::newRow("bf16 gqa") << int(at::kBFloat16) << 4 << qint64(0);
    }

    void fusedKernelMatchesAtenPath()
    {
        QFETCH(int, dtype);
        QFETCH(int, group);
        QFETCH(qint64, firstVisible);
        const auto type = static_cast<at::ScalarType>(dtype);
        const int64_t d = 36; // not a multiple of 8: exercises the kernel's tail loop
        const std::vector<int64_t> lengths{1, 17, 64, 5};
        const int64_t rowLength = 80;
        Segments s = randomSegments(lengths, 3, d, type, rowLength);
        const int64_t heads = static_cast<int64_t>(lengths.size()) * group;
        auto q = at::randn({heads, d}).to(type);
        at::Tensor rowsFused, rowsAten;
        const VarlenSegments seg{s.offsets, s.lengths};
        auto fused = varlenDecodeAttention(q, s.k, s.v, s.positions, seg, 0.17, firstVisible, rowLength, &rowsFused);
        auto aten = varlenDecodeAttentionAten(q, s.k, s.v, s.positions, seg, 0.17, firstVisible, rowLength, &rowsAten);
        QCOMPARE(fused.sizes(), aten.sizes());
        QCOMPARE(fused.scalar_type(), type);
        const double tol = type == at::kFloat ? 2e-6 : 2e-2;
        QVERIFY2(maxAbs(fused, aten) < tol, std::to_string(maxAbs(fused, aten)).c_str());
        QVERIFY2(maxAbs(rowsFused, rowsAten) < (type == at::kFloat ? 1e-6 : 1e-2),
                 std::to_string(maxAbs(rowsFused, rowsAten)).c_str());
        // Rows live at absolute positions: nothing outside a head's stored (visible) positions.
        for (int64_t h = 0; h < heads; ++h) {
            const int64_t stored = h / group;
            auto pos = s.positions.narrow(0, s.offsets[std::size_t(stored)], lengths[std::size_t(stored)]);
            auto row = rowsFused[h];
            const double onStored = row.index_select(0, pos).sum().item<double>();
            const double total = row.sum().item<double>();
            QCOMPARE(std::abs(onStored - total) < 1e-6, true);
            const bool anyVisible = (pos >= static_cast<int64_t>(firstVisible)).any().item<bool>();
            QVERIFY(std::abs(total - (anyVisible ? 1.0 : 0.0)) < 1e-5);
            if (firstVisible > 0)
                QCOMPARE(row.narrow(0, 0, firstVisible).abs().sum().item<double>(), 0.0);
        }
    }

    void fullSegmentsEqualDenseAttention()
    {
        // Every head holds all T keys in position order: must be plain softmax attention.
        const int64_t kvHeads = 2, group = 3, T = 23, d = 16;
        auto k = at::randn({kvHeads, T, d}), v = at::randn({kvHeads, T, d}), q = at::randn({kvHeads * group, d});
        std::vector<int64_t> offsets{0, T}, lengths{T, T};
        auto positions = at::arange(T, at::kLong).repeat({kvHeads});
        auto out = varlenDecodeAttention(q, k.reshape({kvHeads * T, d}), v.reshape({kvHeads * T, d}), positions,
                                         {offsets, lengths}, 0.25, 0, T, nullptr);
        auto qg = q.view({kvHeads, group, d});
        auto dense = at::matmul(at::softmax(at::matmul(qg, k.transpose(1, 2)) * 0.25, -1), v).view({kvHeads * group, d});
        QVERIFY(maxAbs(out, dense) < 1e-5);
    }

    void observationScoresMatchFloat64Loops()
    {
        const int64_t heads = 4, kvHeads = 2, group = 2, w = 3, T = 11, d = 8, sliding = 6;
        auto q = at::randn({heads, w, d}), k = at::randn({kvHeads, T, d});
        for (int64_t window : {int64_t(0), sliding}) {
            auto got = observationScores(q, k, 0.5, window); // [H, T−w]
            QCOMPARE(got.size(0), heads);
            QCOMPARE(got.size(1), T - w);
            auto qa = q.to(at::kDouble).contiguous(), ka = k.to(at::kDouble).contiguous();
            for (int64_t h = 0; h < heads; ++h)
                for (int64_t key = 0; key < T - w; ++key) {
                    double mean = 0.0;
                    for (int64_t i = 0; i < w; ++i) {
                        const int64_t pos = T - w + i;
                        std::vector<double> logit(static_cast<std::size_t>(T), -std::numeric_limits<double>::infinity());
                        double best = -std::numeric_limits<double>::infinity();
                        for (int64_t j = 0; j <= pos; ++j) {
                            if (window > 0 && j <= pos - window)
                                continue;
                            double dot = 0.0;
                            for (int64_t c = 0; c < d; ++c)
                                dot += qa[h][i][c].item<double>() * ka[h / group][j][c].item<double>();
                            logit[std::size_t(j)] = dot * 0.5;
                            best = std::max(best, logit[std::size_t(j)]);
                        }
                        double z = 0.0;
                        for (double x : logit)
                            z += std::exp(x - best);
                        mean += std::exp(logit[std::size_t(key)] - best) / z / w;
                    }
                    QVERIFY2(std::abs(mean - got[h][key].item<double>()) < 1e-6,
                             qPrintable(QStringLiteral("head %1 key %2 window %3").arg(h).arg(key).arg(window)));
                }
        }
    }

    void poolingAndGroupReduction()
    {
        auto s = at::tensor({1.0f, 5.0f, 2.0f, 0.0f, 3.0f, 4.0f, 9.0f, 1.0f}).view({2, 4});
        auto maxed = poolAlongKeys(s, Pooling::Max, 3);
        QCOMPARE(maxed[0][0].item<float>(), 5.0f);
        QCOMPARE(maxed[0][3].item<float>(), 2.0f);
        QCOMPARE(maxed[1][0].item<float>(), 4.0f);
        auto avg = poolAlongKeys(s, Pooling::Avg, 3); // zero padding counts, as F.avg_pool1d
        QVERIFY(std::abs(avg[0][0].item<float>() - 2.0f) < 1e-6);
        QVERIFY(std::abs(avg[0][1].item<float>() - 8.0f / 3) < 1e-6);
        QVERIFY(std::abs(avg[1][3].item<float>() - 10.0f / 3) < 1e-6);
        QVERIFY(poolAlongKeys(s, Pooling::Max, 1).equal(s));
        auto heads = at::tensor({1.0f, 2.0f, 3.0f, 8.0f, 0.0f, 1.0f}).view({3, 2}).repeat({2, 1}); // [6, 2]
        auto mean = reduceGroups(heads, 2, GroupAggregation::Mean);
        QCOMPARE(mean.size(0), int64_t(2));
        QVERIFY(std::abs(mean[0][0].item<float>() - 4.0f / 3) < 1e-6);
        QCOMPARE(reduceGroups(heads, 2, GroupAggregation::Max)[1][1].item<float>(), 8.0f);
        QCOMPARE(reduceGroups(heads, 2, GroupAggregation::Sum)[0][1].item<float>(), 11.0f);
    }

    void cacheAppendsInPlaceWithoutMovingStorage()
    {
        const int64_t d = 8;
        std::vector<StoredHead> heads;
        for (int64_t n : {3, 5})
            heads.push_back({at::randn({n, d}), at::randn({n, d}), at::arange(n, at::kLong)});
        CompressedKvCache cache(heads, /*room=*/2, /*logicalLength=*/10, /*kvHeads=*/2);
        QCOMPARE(cache.storedBytes(), int64_t(2 * 8 * d * 4));
        const void* before = cache.headKeys(0).data_ptr();
        auto k = at::randn({2, 1, d}), v = at::randn({2, 1, d});
        cache.append(k, v);
        QCOMPARE(cache.headKeys(0).data_ptr(), before);
        QCOMPARE(cache.length(), int64_t(11));
        QCOMPARE(cache.headLength(1), int64_t(6));
        QVERIFY(cache.headKeys(1)[5].equal(k[1][0]));
        QCOMPARE(cache.headPositions(0)[3].item<int64_t>(), int64_t(10));
        cache.append(k, v);
        QVERIFY_THROWS_EXCEPTION(headscope::UsageError, cache.append(k, v)); // room of 2 used up
        QVERIFY_THROWS_EXCEPTION(headscope::UsageError, cache.append(at::randn({2, 2, d}), at::randn({2, 2, d})));
    }
};

QTEST_APPLESS_MAIN(TestVarlenAttention)
#include "tst_varlen_attention.moc"
