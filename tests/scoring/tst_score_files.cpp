// Score-file import/export on every published file in tests/data/head_scores (docs/algorithms.md decision (a)):
// key mapping, order detection, known values, validation errors, and exact round trips.
#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"
#include "headscope/core/sha256.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <sstream>

using namespace headscope;
namespace fs = std::filesystem;

namespace {
const fs::path kScores = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "head_scores";

int zeroMeanHeads(const ScoreMatrix& m)
{
    int n = 0;
    for (double v : m.values) n += v == 0.0 ? 1 : 0;
    return n;
}
} // namespace

class TestScoreFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyPublishedFile_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("canonical");
        int found = 0;
        for (const char* dir : {"headkv", "dililazykv"})
            for (const auto& entry : fs::directory_iterator(kScores / dir)) {
                if (entry.path().extension() != ".json") continue;
                QTest::newRow(entry.path().filename().string().c_str())
                    << QString::fromStdString(entry.path().string()) << (std::string(dir) == "headkv");
                ++found;
            }
        QVERIFY2(found == 10, "expected the 4 HeadKV and 6 DiliLazyKV files in tests/data/head_scores");
    }
    void everyPublishedFile()
    {
        QFETCH(QString, path);
        QFETCH(bool, canonical);
        ScoreFileImportOptions opts;
        opts.layers = 32;
        opts.queryHeads = 32;
        opts.kvHeads = 8;
        const ImportedScores s = importScoreFile(path.toStdString(), opts);
        QCOMPARE(s.matrix.layers, 32);
        QCOMPARE(s.matrix.heads, 32);
        QCOMPARE(s.matrix.granularity, HeadGranularity::QueryHead);
        QVERIFY(s.granularityChecked);
        QCOMPARE(s.canonicalOrder, canonical);
        QCOMPARE(s.format, std::string(canonical ? "headkv" : "dililazykv"));
        QCOMPARE(s.missingHeads, 0);
        QCOMPARE(s.minListLength, s.maxListLength);
        QCOMPARE(s.sha256, sha256FileHex(path.toStdString()));
        QVERIFY(s.matrix.provenance.find("sha256:" + s.sha256) != std::string::npos);
        QCOMPARE(static_cast<int>(s.warnings.size()), canonical ? 0 : 1);

        // Export → import is exact for every format, and exports are canonical.
        for (int fmt = 0; fmt < 2; ++fmt) {
            const std::string text = fmt == 0 ? exportHeadKvJson(s.matrix, s.lists) : exportDiliLazyKvJson(s.matrix, s.lists);
            if (fmt == 0) QVERIFY(text.find('\n') == std::string::npos);
            const ImportedScores back = parseScoreFile(text, "roundtrip");
            QVERIFY(back.canonicalOrder);
            QCOMPARE(back.lists, s.lists);
            QCOMPARE(back.matrix.values, s.matrix.values);
        }
        std::istringstream csv(exportScoreCsv(s.matrix));
        std::string line;
        std::getline(csv, line);
        QCOMPARE(line, std::string("layer,head,value"));
        int rows = 0;
        while (std::getline(csv, line)) {
            int l = 0, h = 0;
            char c1 = 0, c2 = 0;
            std::istringstream row(line);
            row >> l >> c1 >> h >> c2;
            std::string value;
            row >> value;
            QCOMPARE(std::stod(value), s.matrix.at(l, h));
            QCOMPARE(l * 32 + h, rows);
            ++rows;
        }
        QCOMPARE(rows, 1024);
    }

    void headKvKnownValues()
    {
        const ImportedScores r = importScoreFile(kScores / "headkv" / "Meta-Llama-3-8B-Instruct_retrieval_heads.json");
        QCOMPARE(r.maxListLength, 107);
        QVERIFY(qAbs(r.matrix.at(15, 30) - 1.009) < 5e-4);
        QCOMPARE(zeroMeanHeads(r.matrix), 728);
        QVERIFY(qAbs(r.matrix.at(16, 20) - 0.601) < 5e-4);

        const ImportedScores r2 = importScoreFile(kScores / "headkv" / "Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json");
        QCOMPARE(r2.maxListLength, 74);
        QVERIFY(qAbs(r2.matrix.at(15, 30) - 0.344) < 5e-4);
        QCOMPARE(zeroMeanHeads(r2.matrix), 2);
        double best = 0.0;
        for (double v : r2.matrix.values) best = std::max(best, v);
        QCOMPARE(best, r2.matrix.at(15, 30));
    }

    void diliLazyKvKeyMapping()
    {
        // The first key in the file is "6-24"; it must land at (6, 24), not at (0, 0).
        const ImportedScores lazy = importScoreFile(kScores / "dililazykv" / "head_lazy.json");
        QCOMPARE(lazy.matrix.at(6, 24), 0.2879446992267671);
        QCOMPARE(lazy.matrix.at(18, 29), 0.06045129984422115);
        QVERIFY(!lazy.canonicalOrder);
        const ImportedScores dili = importScoreFile(kScores / "dililazykv" / "head_dili.json");
        QCOMPARE(dili.section, std::string("average_precisions_weighted"));
        QCOMPARE(dili.sections, std::vector<std::string>{"average_precisions_weighted"});
        QCOMPARE(dili.matrix.at(6, 24), 0.011448357478809054);
        const ImportedScores list = importScoreFile(
            kScores / "dililazykv" / "meta-llama_Meta-Llama-3-8B-Instruct_head_infscores_list_20250428_105630.json");
        QCOMPARE(list.maxListLength, 6);
        // The Llama "reason" file is byte-identical to head_lazy.json's values (docs/algorithms.md §1D).
        const ImportedScores reason = importScoreFile(kScores / "dililazykv" / "Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json");
        QCOMPARE(reason.matrix.values, lazy.matrix.values);
    }

    void nestedSectionsAndScalars()
    {
        // Shape of DiliLazyKV's head_importance_filtered_*.json: scalar values, extra non-dict keys.
        const char* text = R"({
            "filter_condition": "similarity > 0.2",
            "average_precisions_weighted": {"0-1": 0.5, "0-0": 0.25},
            "average_infscores_weighted": {"0-1": 0.75, "0-0": 0.125},
            "top_infscore_weighted_heads": [["0-1", 0.75]]
        })";
        const ImportedScores inf = parseScoreFile(text, "nested");
        QCOMPARE(inf.section, std::string("average_infscores_weighted"));
        QCOMPARE(inf.matrix.values, (std::vector<double>{0.125, 0.75}));
        QCOMPARE(inf.sections.size(), std::size_t{2});
        QVERIFY(!inf.canonicalOrder);
        ScoreFileImportOptions pick;
        pick.section = "average_precisions_weighted";
        QCOMPARE(parseScoreFile(text, "nested", pick).matrix.values, (std::vector<double>{0.25, 0.5}));
        pick.section = "average_tp_user";
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(text, "nested", pick));
    }

    void validationErrors()
    {
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": [1], "0-0": [2]})", "dup"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": [1], "zero-1": [2]})", "badkey"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": ["x"]})", "badvalue"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"([1, 2])", "notobject"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": [1], "1-1": [2]})", "missing"));
        ScoreFileImportOptions lenient;
        lenient.allowMissingHeads = true;
        const ImportedScores partial = parseScoreFile(R"({"0-0": [1], "1-1": [2, 4]})", "missing", lenient);
        QCOMPARE(partial.missingHeads, 2);
        QCOMPARE(partial.matrix.at(1, 1), 3.0);
        QCOMPARE(partial.matrix.at(0, 1), 0.0);
        QCOMPARE(static_cast<int>(partial.warnings.size()), 2); // missing heads + unequal list lengths
        ScoreFileImportOptions dims;
        dims.layers = 1;
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": 1, "1-0": 2})", "range", dims));
        // H matching the KV-head count is recorded as KV granularity; anything else is an error.
        ScoreFileImportOptions gqa;
        gqa.queryHeads = 4;
        gqa.kvHeads = 2;
        const ImportedScores kv = parseScoreFile(R"({"0-0": 1, "0-1": 2})", "kv", gqa);
        QCOMPARE(kv.matrix.granularity, HeadGranularity::KvHead);
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": 1, "0-1": 2, "0-2": 3})", "three", gqa));
        ScoreFileImportOptions kvOnly;
        kvOnly.kvHeads = 2;
        const ImportedScores four = parseScoreFile(R"({"0-0": 1, "0-1": 2, "0-2": 3, "0-3": 4})", "four", kvOnly);
        QCOMPARE(four.matrix.granularity, HeadGranularity::QueryHead);
        QCOMPARE(static_cast<int>(four.warnings.size()), 1);
        QVERIFY_THROWS_EXCEPTION(FormatError, parseScoreFile(R"({"0-0": 1, "0-1": 2, "0-2": 3})", "three", kvOnly));
        try {
            parseScoreFile(R"({"0-0": [1], "0-0": [2]})", "dup.json");
            QFAIL("duplicate accepted");
        } catch (const FormatError& e) {
            QVERIFY(std::string(e.what()).find("0-0") != std::string::npos);
            QVERIFY(std::string(e.what()).find("dup.json") != std::string::npos);
        }
    }

    // Found by fuzzing (tests/data/broken/score_file): the matrix is sized from the largest key,
    // so "0-05789968" made 5.8 million heads (30 s and hundreds of MB with missing heads allowed).
    void hugeIndexRefused()
    {
        const fs::path file = fs::path(HEADSCOPE_SOURCE_DIR) / "tests/data/broken/score_file/head_index_5789968.json";
        ScoreFileImportOptions lenient;
        lenient.allowMissingHeads = true;
        try {
            importScoreFile(file, lenient);
            QFAIL("accepted");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("score key '0-05789968': head index 5789968 is beyond the supported "
                                                "maximum of 1023") != std::string::npos, e.what());
        }
        try {
            parseScoreFile(R"({"1024-0": [1]})", "layers.json", lenient);
            QFAIL("accepted");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("layer index 1024 is beyond the supported maximum of 1023") != std::string::npos,
                     e.what());
        }
        // The largest indices a model may have are still read.
        const ImportedScores edge = parseScoreFile(R"({"1023-1023": [1]})", "edge.json", lenient);
        QCOMPARE(edge.matrix.layers, 1024);
        QCOMPARE(edge.matrix.heads, 1024);
    }

    // Found by fuzzing: keys were looked up linearly (nlohmann::ordered_json), so a file of
    // 512 x 512 heads took minutes (quadratic); it now reads in well under a second. A hang
    // shows as ctest's timeout.
    void manyHeadsReadInLinearTime()
    {
        std::string text = "{";
        for (int l = 0; l < 512; ++l)
            for (int h = 0; h < 512; ++h)
                text += (text.size() > 1 ? ", \"" : "\"") + std::to_string(l) + "-" + std::to_string(h) + "\": [0.5]";
        text += "}";
        const ImportedScores s = parseScoreFile(text, "big.json");
        QCOMPARE(s.matrix.layers, 512);
        QCOMPARE(s.matrix.heads, 512);
        QVERIFY(s.canonicalOrder);
        QCOMPARE(s.matrix.values.back(), 0.5);
    }

    void sha256KnownVectors()
    {
        QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(sha256Hex(std::string(1000000, 'a')),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }
};

QTEST_GUILESS_MAIN(TestScoreFiles)
#include "tst_score_files.moc"
