// The score-format registry: every importer on a fixture written from its upstream definition
// (tests/data/score_formats/README.md), the shape check against a model config, every exporter
// read back the way its upstream loader reads it, and the .npy container byte by byte.
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"
#include "headscope/core/score_formats.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

using namespace headscope;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "score_formats";

std::string readFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The made-up model the fixtures belong to: 3 layers, 8 query heads, 2 KV heads.
ScoreFileImportOptions tinyModel()
{
    const ModelHeadShape s = parseModelHeadShape(readFile(kFixtures / "tiny_gqa_config.json"), "tiny_gqa_config.json");
    ScoreFileImportOptions o;
    o.layers = static_cast<int>(s.layers);
    o.queryHeads = static_cast<int>(s.queryHeads);
    o.kvHeads = static_cast<int>(s.kvHeads);
    return o;
}

// A [3, 8] query-head matrix with distinct values: head (l, h) = 10·l + h, except a tie.
ScoreMatrix queryMatrix()
{
    ScoreMatrix m;
    m.layers = 3;
    m.heads = 8;
    m.metric = "inf";
    for (int l = 0; l < 3; ++l)
        for (int h = 0; h < 8; ++h)
            m.values.push_back(10.0 * l + h);
    return m;
}

template <typename F>
std::string errorOf(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

#define QVERIFY_CONTAINS(text, part)                                                                                   \
    QVERIFY2(std::string(text).find(part) != std::string::npos, qPrintable(QString::fromStdString(std::string(text))))

} // namespace

class TestScoreFormats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void registryNamesAndLookup()
    {
        std::set<std::string> names;
        for (const ScoreFormat& f : scoreFormats()) {
            QVERIFY2(names.insert(std::string(f.name)).second, f.name.data());
            QVERIFY(f.parse || f.write);
            QVERIFY(!f.summary.empty());
        }
        for (const char* n : {"duo", "qrhead", "compresskv", "headkv", "retrieval_head", "sparsemm", "dililazykv"})
            QCOMPARE(scoreFormatForImport(n).name, std::string_view(n));
        for (const char* n : {"duo", "qrhead", "lukv", "headkv", "retrieval_head", "sparsemm", "dililazykv", "csv"})
            QCOMPARE(scoreFormatForExport(n).name, std::string_view(n));
        // Import-only and export-only formats are refused the other way, with the valid names listed.
        const std::string e = errorOf([] { scoreFormatForExport("compresskv"); });
        QVERIFY_CONTAINS(e, "cannot be exported");
        QVERIFY_CONTAINS(e, "lukv");
        QVERIFY_CONTAINS(errorOf([] { scoreFormatForImport("lukv"); }), "compresskv");
        QVERIFY_CONTAINS(errorOf([] { scoreFormatForImport("nope"); }), "'nope'");
    }

    void detectsEveryFixture()
    {
        const std::pair<const char*, const char*> cases[] = {
            {"duo_pattern/full_attention_heads.tsv", "duo"},
            {"rlkv_adapter_weights.tsv", "duo"},
            {"qrhead_tiny_top4.yaml", "qrhead"},
            {"compresskv_tiny_head_idx.json", "compresskv"},
            {"retrieval_head_tiny.json", "dililazykv"}, // the JSON "L-H" family's row
        };
        for (const auto& [file, format] : cases) {
            const std::string bytes = readFile(kFixtures / file);
            QCOMPARE(detectScoreFormat(kFixtures / file, bytes).name, std::string_view(format));
            // By content alone, too (renamed files).
            QCOMPARE(detectScoreFormat("renamed.txt", bytes).name, std::string_view(format));
        }
        const ImportedScores r = importScoreFile(kFixtures / "retrieval_head_tiny.json", tinyModel());
        QCOMPARE(r.format, std::string("headkv"));
    }

    void modelHeadShapeFromConfigs()
    {
        const ModelHeadShape top = parseModelHeadShape(readFile(kFixtures / "tiny_gqa_config.json"), "c");
        const ModelHeadShape nested = parseModelHeadShape(readFile(kFixtures / "tiny_gqa_text_config.json"), "c");
        for (const ModelHeadShape& s : {top, nested}) {
            QCOMPARE(s.layers, 3);
            QCOMPARE(s.queryHeads, 8);
            QCOMPARE(s.kvHeads, 2);
        }
        QCOMPARE(parseModelHeadShape(R"({"num_hidden_layers": 2, "num_attention_heads": 4})", "c").kvHeads, 4);
        QVERIFY_CONTAINS(errorOf([] { parseModelHeadShape(R"({"num_attention_heads": 4})", "cfg.json"); }),
                         "num_hidden_layers");
        QVERIFY_CONTAINS(errorOf([] {
                             parseModelHeadShape(R"({"num_hidden_layers": 1000000000, "num_attention_heads": 32})", "c");
                         }),
                         "1000000000");
    }

    void duoImportWithShapeCheck()
    {
        const ImportedScores r = importScoreFile(kFixtures / "duo_pattern", tinyModel()); // the directory works
        QCOMPARE(r.format, std::string("duo"));
        QCOMPARE(r.matrix.layers, 3);
        QCOMPARE(r.matrix.heads, 2);
        QCOMPARE(r.matrix.granularity, HeadGranularity::KvHead);
        QVERIFY(r.granularityChecked);
        QVERIFY_CONTAINS(r.shapeStatement, "per KV head: 2 values per layer = num_key_value_heads");
        QCOMPARE(r.matrix.values, (std::vector<double>{0.60546875, 0.02490234375, 1.0, 0.0, 0.375, 0.9921875}));
        QVERIFY(r.warnings.empty());
        const ImportedScores rlkv = importScoreFile(kFixtures / "rlkv_adapter_weights.tsv", tinyModel());
        QCOMPARE(rlkv.matrix.at(2, 1), 0.875);

        // Without a model: the format's KV heads, and the report says it was not checked.
        const ImportedScores unchecked = importScoreFile(kFixtures / "duo_pattern" / "full_attention_heads.tsv");
        QVERIFY(!unchecked.granularityChecked);
        QVERIFY_CONTAINS(unchecked.shapeStatement, "NOT checked");

        // The wrong model: both shapes named.
        ScoreFileImportOptions four = tinyModel();
        four.layers = 4;
        const std::string e = errorOf([&] { importScoreFile(kFixtures / "duo_pattern", four); });
        QVERIFY_CONTAINS(e, "3 layers × 2 heads");
        QVERIFY_CONTAINS(e, "4 layers, 8 query heads, 2 KV heads");
        QVERIFY_CONTAINS(e, "full_attention_heads.tsv");
        ScoreFileImportOptions mha;
        mha.layers = 3;
        mha.queryHeads = 4;
        mha.kvHeads = 4;
        const std::string heads = errorOf([&] { importScoreFile(kFixtures / "duo_pattern", mha); });
        QVERIFY_CONTAINS(heads, "expected 4 (query heads) or 4 (KV heads) values per layer, found 2");
        // A per-query-head TSV (Llama-2-7B-32K is 32 × 32) is read as query heads.
        mha.queryHeads = 2;
        mha.kvHeads = 1;
        QCOMPARE(importScoreFile(kFixtures / "duo_pattern", mha).matrix.granularity, HeadGranularity::QueryHead);
    }

    void duoParsingRules()
    {
        // np.loadtxt skips comments and blank lines, accepts CRLF; DuoAttention clips to [0, 1].
        const ImportedScores r = detail_parse("# alpha\n\n1.5\t-0.25\r\n0.5\t0.5 # trailing\n");
        QCOMPARE(r.matrix.values, (std::vector<double>{1.0, 0.0, 0.5, 0.5}));
        QCOMPARE(static_cast<int>(r.warnings.size()), 1);
        QVERIFY_CONTAINS(r.warnings[0], "2 values outside [0, 1] (first: layer 0 head 0 = 1.5");
        QVERIFY_CONTAINS(errorOf([this] { detail_parse("0.5\t0.5\n0.5\n"); }), "line 2 has 1 tab-separated values");
        QVERIFY_CONTAINS(errorOf([this] { detail_parse("0.5\tabc\n"); }), "line 1 value 2");
        QVERIFY_CONTAINS(errorOf([this] { detail_parse("0.5\tnan\n"); }), "finite");
        QVERIFY_CONTAINS(errorOf([this] { detail_parse("\n# nothing\n"); }), "no values");
    }

    void duoExportNormalisations()
    {
        ScoreExportOptions o;
        o.kvHeads = 2;
        o.sinkSize = 4;
        o.recentSize = 8;
        // Per KV head: the mean of 4 query heads: layer l → 10l + 1.5, 10l + 5.5.
        const ScoreMatrix m = queryMatrix();
        const auto files = scoreFormatForExport("duo").write(m, o);
        QCOMPARE(files.size(), std::size_t{2});
        QCOMPARE(files[0].name, std::string("full_attention_heads.tsv"));
        // np.savetxt layout: "%.18e" values, tab-separated, one line per layer.
        const std::string expectedFirstLine = "0.000000000000000000e+00\t2.000000000000000111e-01\n";
        QCOMPARE(files[0].bytes.substr(0, expectedFirstLine.size()), expectedFirstLine);
        const ImportedScores back = detail_parse(files[0].bytes);
        QCOMPARE(back.matrix.values, (std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0})); // ranks 0…5 / 5
        const auto config = nlohmann::json::parse(files[1].bytes);
        QCOMPARE(config.at("sink_size").get<int>(), 4);
        QCOMPARE(config.at("recent_size").get<int>(), 8);
        QCOMPARE(config.at("headscope_export").at("normalization").get<std::string>(), std::string("rank"));

        o.normalization = parseScoreNormalization("minmax");
        QCOMPARE(detail_parse(scoreFormatForExport("duo").write(m, o)[0].bytes).matrix.values,
                 (std::vector<double>{0.0, 4.0 / 24.0, 10.0 / 24.0, 14.0 / 24.0, 20.0 / 24.0, 1.0}));
        // Top fraction: the binary deployment pattern; kvpress's DuoAttentionPress with
        // head_compression_ratio = 1 − F then makes exactly the 0 heads streaming heads.
        o.normalization = parseScoreNormalization("top:0.5");
        const std::vector<double> gates = detail_parse(scoreFormatForExport("duo").write(m, o)[0].bytes).matrix.values;
        QCOMPARE(gates, (std::vector<double>{0, 0, 0, 1, 1, 1}));
        const double headCompressionRatio = 0.5;
        const auto pruned = static_cast<std::size_t>(std::llround(gates.size() * headCompressionRatio));
        std::vector<std::size_t> order(gates.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return gates[a] < gates[b]; });
        for (std::size_t i = 0; i < pruned; ++i)
            QCOMPARE(gates[order[i]], 0.0); // the streaming heads are the lowest-scoring half
        // Query heads cannot be grouped without the KV-head count.
        o.kvHeads = 0;
        QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport("duo").write(m, o); }), "--kv-heads");
    }

    void normalisationRules()
    {
        const double v[] = {3.0, 1.0, 3.0, 2.0};
        QCOMPARE(normalizeScores(v, parseScoreNormalization("rank")), (std::vector<double>{5.0 / 6, 0.0, 5.0 / 6, 1.0 / 3}));
        QCOMPARE(normalizeScores(v, parseScoreNormalization("top:0.25")), (std::vector<double>{1, 0, 0, 0})); // tie → lower index
        QCOMPARE(normalizeScores(v, parseScoreNormalization("top:0.01")), (std::vector<double>{1, 0, 0, 0})); // at least one
        const double flat[] = {2.0, 2.0};
        QVERIFY_CONTAINS(errorOf([&] { normalizeScores(flat, parseScoreNormalization("minmax")); }), "all 2 values equal");
        for (const char* bad : {"top:0", "top:1.5", "top:", "top:x", "ranked"})
            QVERIFY_CONTAINS(errorOf([&] { parseScoreNormalization(bad); }), "--normalize");
        QCOMPARE(describeScoreNormalization(parseScoreNormalization("top:0.25")), std::string("top:0.25"));
    }

    void headAxisConversions()
    {
        const ScoreMatrix kv = toKvHeadScores(queryMatrix(), 2, GroupAggregation::Max);
        QCOMPARE(kv.values, (std::vector<double>{3, 7, 13, 17, 23, 27}));
        QCOMPARE(toKvHeadScores(queryMatrix(), 2, GroupAggregation::Sum).values[0], 6.0);
        // Expanding then grouping returns the KV values exactly, whatever they are.
        ScoreMatrix odd = kv;
        odd.values = {0.1, 1.0 / 3.0, 2e-300, 0.7, 1e300, 0.3};
        const ScoreMatrix expanded = toQueryHeadScores(odd, 8);
        QCOMPARE(expanded.heads, 8);
        QCOMPARE(expanded.at(1, 5), 0.7);
        QCOMPARE(toKvHeadScores(expanded, 2, GroupAggregation::Mean).values, odd.values);
        QVERIFY_CONTAINS(errorOf([] { toKvHeadScores(queryMatrix(), 3, GroupAggregation::Mean); }), "not a multiple");
    }

    void qrHeadImport()
    {
        const ImportedScores r = importScoreFile(kFixtures / "qrhead_tiny_top4.yaml", tinyModel());
        QCOMPARE(r.format, std::string("qrhead"));
        QVERIFY(r.valuesAreRanks);
        QCOMPARE(r.declaredModel, std::string("headscope/tiny-gqa"));
        QCOMPARE(r.matrix.layers, 3);
        QCOMPARE(r.matrix.heads, 8);
        QCOMPARE(r.matrix.granularity, HeadGranularity::QueryHead);
        QVERIFY_CONTAINS(r.shapeStatement, "indexes query heads");
        QCOMPARE(r.matrix.at(2, 5), 1.0);
        QCOMPARE(r.matrix.at(1, 0), 0.75);
        QCOMPARE(r.matrix.at(2, 7), 0.5);
        QCOMPARE(r.matrix.at(0, 3), 0.25);
        int zeros = 0;
        for (double v : r.matrix.values)
            zeros += v == 0.0;
        QCOMPARE(zeros, 24 - 4);
        // Head 7 of layer 2 does not exist in a model with 4 query heads: the error names both.
        ScoreFileImportOptions small = tinyModel();
        small.queryHeads = 4;
        small.kvHeads = 4;
        const std::string e = errorOf([&] { importScoreFile(kFixtures / "qrhead_tiny_top4.yaml", small); });
        QVERIFY_CONTAINS(e, "head index 7 is out of range for 4 query heads");
        QVERIFY_CONTAINS(e, "3 layers, 4 query heads, 4 KV heads");
        ScoreFileImportOptions two = tinyModel();
        two.layers = 2;
        QVERIFY_CONTAINS(errorOf([&] { importScoreFile(kFixtures / "qrhead_tiny_top4.yaml", two); }), "layer index is out of range");
        const auto& qr = scoreFormatForImport("qrhead");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("attn_head_set: \"full_heads\"\n", "f.yaml", {}); }), "full_heads");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("attn_head_set: \"1-2,1-2\"\n", "d.yaml", {}); }), "twice");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("attn_head_set: \"1-2,,3-4\"\n", "e.yaml", {}); }), "entry 2");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("model: x\n", "n.yaml", {}); }), "no attn_head_set");
        // Plain and single-quoted scalars are the same set.
        const auto plain = qr.parse("attn_head_set: 0-1,0-0 # top2\n", "p.yaml", {});
        const auto single = qr.parse("attn_head_set: '0-1,0-0'\n", "s.yaml", {});
        QCOMPARE(plain.matrix.values, (std::vector<double>{0.5, 1.0}));
        QCOMPARE(single.matrix.values, plain.matrix.values);
    }

    void qrHeadExport()
    {
        ScoreMatrix m = queryMatrix();
        m.at(0, 0) = 27.0; // ties head 2-7: the lower index comes first
        ScoreExportOptions o;
        o.topK = 3;
        o.modelName = "meta-llama/Llama-3.1-8B-Instruct";
        const std::string yaml = scoreFormatForExport("qrhead").write(m, o)[0].bytes;
        QVERIFY_CONTAINS(yaml, "attn_head_set: \"0-0,2-7,2-6\" # top3\n");
        QVERIFY_CONTAINS(yaml, "model_base_class: \"Llama-3.1-8B-Instruct\"\n");
        QVERIFY_CONTAINS(yaml, "model_name_or_path: \"meta-llama/Llama-3.1-8B-Instruct\"\n");
        // Read back as QRHead reads it: the same heads in the same order.
        const ImportedScores back = scoreFormatForImport("qrhead").parse(yaml, "back.yaml", tinyModel());
        QCOMPARE(back.matrix.at(0, 0), 1.0);
        QCOMPARE(back.matrix.at(2, 7), 2.0 / 3.0);
        QCOMPARE(back.matrix.at(2, 6), 1.0 / 3.0);
        o.topK = 25;
        QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport("qrhead").write(m, o); }), "between 1 and 24");
        m.granularity = HeadGranularity::KvHead;
        o.topK = 2;
        QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport("qrhead").write(m, o); }), "query heads");
    }

    void compressKvImport()
    {
        const ImportedScores r = importScoreFile(kFixtures / "compresskv_tiny_head_idx.json", tinyModel());
        QCOMPARE(r.format, std::string("compresskv"));
        QVERIFY(r.valuesAreRanks);
        QCOMPARE(r.matrix.granularity, HeadGranularity::QueryHead);
        QVERIFY_CONTAINS(r.shapeStatement, "per query head: 8 values per layer = num_attention_heads");
        // Layer 0 ranks 3, 0, 7, 1, …: head 3 is 8/8, head 0 7/8, head 4 (last) 1/8.
        QCOMPARE(r.matrix.at(0, 3), 1.0);
        QCOMPARE(r.matrix.at(0, 0), 7.0 / 8.0);
        QCOMPARE(r.matrix.at(0, 4), 1.0 / 8.0);
        QCOMPARE(r.matrix.at(1, 7), 1.0 / 8.0);
        QCOMPARE(r.matrix.at(2, 5), 1.0);
        const auto& ckv = scoreFormatForImport("compresskv");
        const auto model = tinyModel();
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0": [0, 1], "2": [1, 0]})", "gap.json", {}); }), "out of range");
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0-0": [1]})", "lh.json", {}); }), "headkv");
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0": [1, 1]})", "dup.json", {}); }), "ranks head 1 twice");
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0": [1.5]})", "f.json", {}); }), "non-negative head index");
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0": [0], "0": [1]})", "k.json", {}); }), "appears twice");
        // Complete rankings of 4 heads for a 3-layer, 8/2-head model: neither head count.
        const std::string four = R"({"0": [0,1,2,3], "1": [3,2,1,0], "2": [1,0,3,2]})";
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(four, "four.json", model); }), "expected 8 (query heads) or 2 (KV heads)");
        // Partial rankings (first_topk only) place what they rank and warn.
        const ImportedScores partial = ckv.parse(R"({"0": [6, 2], "1": [0], "2": [7]})", "top.json", model);
        QCOMPARE(partial.matrix.at(0, 6), 1.0);
        QCOMPARE(partial.matrix.at(0, 2), 7.0 / 8.0);
        QCOMPARE(partial.matrix.at(0, 0), 0.0);
        QVERIFY_CONTAINS(partial.warnings.back(), "3 layers rank fewer than 8 heads");
        std::string deep(100, '[');
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse("{\"0\": " + deep, "deep.json", {}); }), "JSON");
    }

    void retrievalHeadAndSparseMmExport()
    {
        // Exported the way Retrieval_Head/SparseMM read: json.loads(one line), mean per list in
        // insertion order, reshaped to (layers, num_attention_heads).
        const ImportedScores in = importScoreFile(kFixtures / "retrieval_head_tiny.json", tinyModel());
        for (const char* format : {"retrieval_head", "sparsemm"}) {
            ScoreExportOptions o;
            o.lists = in.lists;
            const std::string text = scoreFormatForExport(format).write(in.matrix, o)[0].bytes;
            QVERIFY(text.find('\n') == std::string::npos);
            const auto j = nlohmann::ordered_json::parse(text);
            // The same keys in the same order and the same numbers as Python's json.dumps wrote
            // (Python prints 0.0 where HeadScope prints 0: the same JSON number).
            QCOMPARE(j, nlohmann::ordered_json::parse(readFile(kFixtures / "retrieval_head_tiny.json")));
            int flat = 0;
            for (auto it = j.begin(); it != j.end(); ++it, ++flat) {
                double sum = 0.0;
                for (const auto& v : it.value())
                    sum += v.get<double>();
                QCOMPARE(sum / static_cast<double>(it.value().size()), in.matrix.values[static_cast<std::size_t>(flat)]);
            }
            QCOMPARE(flat, 24);
            ScoreMatrix kv = in.matrix;
            kv.granularity = HeadGranularity::KvHead;
            QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport(format).write(kv, o); }), "per KV head");
        }
    }

    void npyContainerBytes()
    {
        const double values[] = {0.5, -1.0, 2.25, 1e-300, 3.0, 4.0};
        const std::size_t shape[] = {1, 3, 2};
        const std::string npy = writeNpyFloat64(values, shape);
        // numpy/lib/format.py version 1.0: magic, 1, 0, little-endian uint16 header length.
        QCOMPARE(npy.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
        const std::size_t headerLength = static_cast<unsigned char>(npy[8]) | (static_cast<unsigned char>(npy[9]) << 8);
        QCOMPARE((10 + headerLength) % 64, std::size_t{0});
        const std::string header = npy.substr(10, headerLength);
        const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 2), }";
        QCOMPARE(header.substr(0, dict.size()), dict);
        QCOMPARE(header.back(), '\n');
        QCOMPARE(header.find_first_not_of(' ', dict.size()), headerLength - 1);
        QCOMPARE(npy.size(), 10 + headerLength + 6 * 8);
        double second = 0.0;
        std::memcpy(&second, npy.data() + 10 + headerLength + 8, 8);
        QCOMPARE(second, -1.0);
        const NpyArray back = readNpyFloat64(npy, "a.npy");
        QCOMPARE(back.shape, (std::vector<std::size_t>{1, 3, 2}));
        QCOMPARE(back.values, std::vector<double>(std::begin(values), std::end(values)));
        const std::size_t one[] = {2};
        const std::string vec = writeNpyFloat64(std::span<const double>(values, 2), one);
        QVERIFY_CONTAINS(vec, "'shape': (2,), }");
        QVERIFY_CONTAINS(errorOf([&] { readNpyFloat64(npy.substr(0, npy.size() - 1), "cut.npy"); }), "data bytes");
        QVERIFY_CONTAINS(errorOf([&] { readNpyFloat64("PK\x03\x04", "zip.npy"); }), "magic");
        std::string fortran = npy;
        fortran.replace(fortran.find("False"), 5, "True ");
        QVERIFY_CONTAINS(errorOf([&] { readNpyFloat64(fortran, "f.npy"); }), "Fortran");
        // 2^32 × 2^32 wraps to 0 values in 64 bits: it matched a file with no data (found by fuzzing).
        std::string wrapHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }";
        wrapHeader.append(64 - (10 + wrapHeader.size() + 1) % 64, ' ').push_back('\n');
        const std::string wrapped = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(wrapHeader.size() & 0xff) +
                                    static_cast<char>(wrapHeader.size() >> 8) + wrapHeader;
        QVERIFY_CONTAINS(errorOf([&] { readNpyFloat64(wrapped, "wrap.npy"); }), "holds more values than the file");
        // A zero dimension empties the array whatever follows it; its float64 rewrite (a shorter
        // file) read back too (found by fuzzing: the check depended on the order of dimensions).
        const std::size_t emptyShape[] = {9, 2, 0, 4, 729};
        const std::string empty = writeNpyFloat64({}, emptyShape);
        const NpyArray none = readNpyFloat64(empty, "empty.npy");
        QCOMPARE(none.shape, (std::vector<std::size_t>{9, 2, 0, 4, 729}));
        QVERIFY(none.values.empty());
    }

    // Formats sized from the indices they name are held to the model limits before anything is
    // allocated (docs/input_limits.md; found by fuzzing): "2147483647-0" overflowed maxLayer + 1,
    // a CompressKV head index of 999999 made a million-column matrix per layer.
    void indicesBeyondModelLimits()
    {
        const ScoreFormat& qr = scoreFormatForImport("qrhead");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("attn_head_set: \"2147483647-0\"\n", "l.yaml", {}); }),
                         "layer index 2147483647 is beyond the supported maximum of 1023");
        QVERIFY_CONTAINS(errorOf([&] { qr.parse("attn_head_set: \"0-1,0-5000\"\n", "h.yaml", {}); }),
                         "head index 5000 is beyond the supported maximum of 1023");
        const ScoreFormat& ckv = scoreFormatForImport("compresskv");
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(R"({"0": [999999]})", "h.json", {}); }), "head index 999999");
        std::string layers = "{";
        for (int l = 0; l <= 1024; ++l)
            layers += (l ? ", \"" : "\"") + std::to_string(l) + "\": [0]";
        QVERIFY_CONTAINS(errorOf([&] { ckv.parse(layers + "}", "l.json", {}); }), "layer index 1024");
        const ScoreFormat& duo = scoreFormatForImport("duo");
        std::string rows;
        for (int l = 0; l <= 1024; ++l)
            rows += "0.5\t0.5\n";
        QVERIFY_CONTAINS(errorOf([&] { duo.parse(rows, "rows.tsv", {}); }), "layer index 1024");
    }

    void luKvCurves()
    {
        ScoreExportOptions o;
        o.kvHeads = 2;
        o.floorAlpha = 0.2;
        ScoreMatrix m = queryMatrix(); // KV means 1.5, 5.5, 11.5, 15.5, 21.5, 25.5
        const NpyArray a = readNpyFloat64(scoreFormatForExport("lukv").write(m, o)[0].bytes, "lukv.npy");
        QCOMPARE(a.shape, (std::vector<std::size_t>{99, 3, 2})); // LUKVPress's expected shape
        for (int r = 1; r <= 99; ++r) {
            double sum = 0.0;
            for (int c = 0; c < 6; ++c) {
                const double p = a.values[static_cast<std::size_t>((r - 1) * 6 + c)];
                QVERIFY(p >= 0.0 && p <= 1.0);
                sum += p;
                if (c > 0) // a higher score never prunes more
                    QVERIFY(p <= a.values[static_cast<std::size_t>((r - 1) * 6 + c - 1)] + 1e-15);
                if (r > 1) // a higher ratio never prunes less
                    QVERIFY(p >= a.values[static_cast<std::size_t>((r - 2) * 6 + c)] - 1e-15);
            }
            QVERIFY2(std::abs(sum / 6.0 - r / 100.0) < 1e-12, qPrintable(QString::number(r))); // mean = the ratio
        }
        // Ratio 0.01: keep 0.99·(0.2 + 0.8·6·s/Σs) exceeds 1 for the three top heads (s = 15.5,
        // 21.5, 25.5 of Σs = 81); handing their excess on caps heads 2 and 1 in turn, so the
        // lowest-scoring head alone prunes the whole 6 × 0.01.
        for (int c = 1; c < 6; ++c)
            QCOMPARE(a.values[static_cast<std::size_t>(c)], 0.0);
        QVERIFY(std::abs(a.values[0] - 0.06) < 1e-12);
        // Ratio 0.99: keep 0.01·(0.2 + 0.8·6·s/Σs) < 1 everywhere, no cap: prune = 1 − keep exactly.
        QVERIFY(std::abs(a.values[98 * 6 + 5] - (1.0 - 0.01 * (0.2 + 0.8 * 6 * 25.5 / 81.0))) < 1e-12);
        o.floorAlpha = 1.0; // uniform: every head prunes exactly the ratio
        const NpyArray u = readNpyFloat64(scoreFormatForExport("lukv").write(m, o)[0].bytes, "u.npy");
        QVERIFY(std::abs(u.values[49 * 6 + 3] - 0.5) < 1e-15);
        o.floorAlpha = 0.2;
        m.values.assign(24, 0.0);
        QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport("lukv").write(m, o); }), "every score is 0");
        m.values[3] = -1.0;
        QVERIFY_CONTAINS(errorOf([&] { scoreFormatForExport("lukv").write(m, o); }), "non-negative");
    }

    // The real loaders' calls, where NumPy is installed: np.loadtxt(…, delimiter="\t") + clip for
    // DuoAttention/kvpress, np.load(…, allow_pickle=False) for LUKVPress.
    void numpyReadsTheExports()
    {
        QProcess probe;
        probe.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral("import numpy")});
        if (!probe.waitForFinished(60000) || probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0) {
            if (qEnvironmentVariable("CI") == QLatin1String("true"))
                QFAIL("CI must have python3-numpy (packaging/deps/debian-packages.txt)");
            QSKIP("/usr/bin/python3 with numpy is not installed (apt-get install python3-numpy)");
        }
        QTemporaryDir dir;
        ScoreExportOptions o;
        o.kvHeads = 2;
        const ScoreMatrix m = queryMatrix();
        writeScoreOutputs(dir.filePath(QStringLiteral("duo")).toStdString(), scoreFormatForExport("duo").write(m, o), true);
        writeScoreOutputs(dir.filePath(QStringLiteral("c.npy")).toStdString(), scoreFormatForExport("lukv").write(m, o), false);
        const char* script = R"(
import json, sys, numpy as np
d = sys.argv[1]
h = np.clip(np.loadtxt(d + "/duo/full_attention_heads.tsv", dtype=float, delimiter="\t"), 0, 1)
cfg = json.load(open(d + "/duo/config.json"))
c = np.load(d + "/c.npy", allow_pickle=False)
print(json.dumps({"duo_shape": list(h.shape), "duo": h.ravel().tolist(), "sink": cfg["sink_size"],
                  "recent": cfg["recent_size"], "npy_shape": list(c.shape), "npy_dtype": str(c.dtype),
                  "npy_sum": float(c.sum()), "npy_r50": c[49].ravel().tolist()}))
)";
        QProcess py;
        py.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QString::fromUtf8(script), dir.path()});
        QVERIFY(py.waitForFinished(60000));
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const auto j = nlohmann::json::parse(py.readAllStandardOutput().toStdString());
        QCOMPARE(j["duo_shape"].get<std::vector<int>>(), (std::vector<int>{3, 2}));
        QCOMPARE(j["duo"].get<std::vector<double>>(), (std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0}));
        QCOMPARE(j["sink"].get<int>(), 128);
        QCOMPARE(j["recent"].get<int>(), 256);
        QCOMPARE(j["npy_shape"].get<std::vector<int>>(), (std::vector<int>{99, 3, 2}));
        QCOMPARE(j["npy_dtype"].get<std::string>(), std::string("float64"));
        const NpyArray ours = readNpyFloat64(readFile(dir.filePath(QStringLiteral("c.npy")).toStdString()), "c.npy");
        QCOMPARE(j["npy_r50"].get<std::vector<double>>(), std::vector<double>(ours.values.begin() + 49 * 6, ours.values.begin() + 50 * 6));
    }

    void writeOutputsAtomically()
    {
        QTemporaryDir dir;
        const fs::path file = dir.filePath(QStringLiteral("x.json")).toStdString();
        writeScoreOutputs(file, {{"", "abc"}}, false);
        QCOMPARE(readFile(file), std::string("abc"));
        QVERIFY_CONTAINS(errorOf([&] { writeScoreOutputs(file, {{"a.tsv", "1"}}, true); }), "writes a directory");
        const fs::path missingParent = dir.filePath(QStringLiteral("no/such/x.json")).toStdString();
        QVERIFY_CONTAINS(errorOf([&] { writeScoreOutputs(missingParent, {{"", "abc"}}, false); }), "cannot open");
        int entries = 0;
        for (const auto& e : fs::directory_iterator(dir.path().toStdString()))
            entries += e.path().filename() != "x.json";
        QCOMPARE(entries, 0); // no temporary files left behind
    }

private:
    ImportedScores detail_parse(const std::string& tsv) { return scoreFormatForImport("duo").parse(tsv, "t.tsv", {}); }
};

QTEST_GUILESS_MAIN(TestScoreFormats)
#include "tst_score_formats.moc"
