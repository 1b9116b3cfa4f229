// Safetensors and checkpoint loading: round trips in every dtype, sharded checkpoints, and
// every bad-input class — each a typed error naming the item, never a crash.
#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace headscope;
namespace fs = std::filesystem;

namespace {

TestModelSpec smallSpec()
{
    TestModelSpec s;
    s.layers = 2;
    s.hidden = 32;
    s.heads = 4;
    s.kvHeads = 2;
    s.intermediate = 48;
    s.vocab = 50;
    s.seed = 9;
    return s;
}

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const fs::path& p, const std::string& data)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

// A safetensors file from a raw header string and data size.
void writeRaw(const fs::path& p, const std::string& header, std::size_t dataBytes)
{
    std::string out(8, '\0');
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    out += header;
    out += std::string(dataBytes, '\0');
    writeAll(p, out);
}

template <typename E>
void expectThrows(const std::function<void()>& f, const char* fragment)
{
    try {
        f();
        QFAIL(qPrintable(QStringLiteral("no error; expected one mentioning: ") + QLatin1String(fragment)));
    } catch (const E& e) {
        QVERIFY2(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    }
}

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path dir(const char* name) { return m_dir.filePath(QLatin1String(name)).toStdString(); }

private Q_SLOTS:
    void roundTripDtypes_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::newRow("f32") << int(ElementType::F32);
        QTest::newRow("bf16") << int(ElementType::BF16);
        QTest::newRow("f16") << int(ElementType::F16);
    }

    void roundTripDtypes()
    {
        QFETCH(int, dtype);
        const fs::path p = dir("rt.safetensors");
        TensorToWrite t{"w", static_cast<ElementType>(dtype), {2, 3}, {1.0f, -2.5f, 0.125f, 65504.0f, 1e-3f, -0.0f}};
        writeSafetensors(p, std::vector<TensorToWrite>{t}, {{"k", "v"}});
        auto f = SafetensorsFile::open(p);
        const TensorView* v = f->find("w");
        QVERIFY(v);
        QCOMPARE(v->shape, (std::vector<int64_t>{2, 3}));
        QCOMPARE(static_cast<int>(v->dtype), dtype);
        QCOMPARE(f->metadata().at("k"), std::string("v"));
        QCOMPARE(reinterpret_cast<std::uintptr_t>(v->data) % 8, std::uintptr_t(0)); // data region 8-byte aligned
        if (v->dtype == ElementType::F32) {
            QCOMPARE(std::memcmp(v->data, t.values.data(), 24), 0); // bit-exact
        } else {
            uint16_t first;
            std::memcpy(&first, v->data, 2);
            QCOMPARE(first, uint16_t(v->dtype == ElementType::BF16 ? 0x3f80 : 0x3c00)); // 1.0
        }
    }

    void checkpointSingleAndSharded()
    {
        TestModelSpec s = smallSpec();
        writeTestModel(s, dir("single"));
        s.shards = 3;
        writeTestModel(s, dir("sharded"));
        const Checkpoint a = Checkpoint::open(dir("single")), b = Checkpoint::open(dir("sharded"));
        QCOMPARE(a.weightFiles().size(), std::size_t(1));
        QCOMPARE(b.weightFiles().size(), std::size_t(3));
        QVERIFY(fs::exists(dir("sharded") / "model.safetensors.index.json"));
        QCOMPARE(a.tensorNames().size(), b.tensorNames().size());
        for (const std::string& name : a.tensorNames()) {
            const TensorView &x = a.tensor(name), &y = b.tensor(name);
            QCOMPARE(x.byteSize, y.byteSize);
            QCOMPARE(std::memcmp(x.data, y.data, x.byteSize), 0); // same seed, same values
        }
        QCOMPARE(a.weightBytes(), b.weightBytes());
        QCOMPARE(a.config().numKvHeads, int64_t(2));
    }

    void deterministicForSeed()
    {
        writeTestModel(smallSpec(), dir("d1"));
        writeTestModel(smallSpec(), dir("d2"));
        QCOMPARE(readAll(dir("d1") / "model.safetensors"), readAll(dir("d2") / "model.safetensors"));
    }

    void truncatedAndBadHeaders()
    {
        const fs::path p = dir("bad.safetensors");
        writeAll(p, "abc");
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "truncated");
        std::string huge(8, '\0');
        huge[0] = char(0xff);
        huge[1] = char(0xff);
        writeAll(p, huge + "{}");
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "larger than the file");
        writeRaw(p, "{not json", 0);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "not valid JSON");
        writeRaw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}})", 8);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "past the data region");
        writeRaw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}})", 12);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "expected 8");
        writeRaw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "overlap");
        // An empty tensor sorted between two overlapping ones used to hide the overlap.
        writeRaw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                        "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                        "b": {"dtype": "F32", "shape": [2], "data_offsets": [6, 14]}})", 16);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "tensors \"a\" and \"b\" overlap");
        // 2^61 doubles are 2^64 bytes, which wrapped to 0 and matched an empty data range.
        writeRaw(p, R"({"a": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 0]}})", 0);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "overflows");
        writeRaw(p, R"({"a": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}})", 8);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "unknown dtype \"Q4\"");
        writeRaw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8);
        expectThrows<FormatError>([&] { SafetensorsFile::open(p); }, "begin after end");
        expectThrows<LoadError>([&] { SafetensorsFile::open(dir("missing.safetensors")); }, "cannot open");
    }

    void shapeAndMissingTensors()
    {
        writeTestModel(smallSpec(), dir("shape"));
        // Rewrite one tensor with the wrong shape.
        auto original = SafetensorsFile::open(dir("shape") / "model.safetensors");
        std::vector<TensorToWrite> tensors;
        for (const TensorView& v : original->tensors()) {
            TensorToWrite t{v.name, ElementType::F32, v.shape, std::vector<float>(static_cast<std::size_t>(v.numel()), 0.5f)};
            if (v.name == "model.layers.1.self_attn.k_proj.weight")
                t.shape = {8, 32}, t.values.resize(8 * 32);
            if (v.name != "model.layers.0.mlp.up_proj.weight")
                tensors.push_back(t);
        }
        original.reset();
        writeSafetensors(dir("shape") / "model.safetensors", tensors);
        expectThrows<LoadError>([&] { Checkpoint::open(dir("shape")); }, "missing tensor \"model.layers.0.mlp.up_proj.weight\"");
        TensorToWrite up{"model.layers.0.mlp.up_proj.weight", ElementType::F32, {48, 32}, std::vector<float>(48 * 32, 0.f)};
        tensors.push_back(up);
        writeSafetensors(dir("shape") / "model.safetensors", tensors);
        expectThrows<FormatError>([&] { Checkpoint::open(dir("shape")); },
                                  "\"model.layers.1.self_attn.k_proj.weight\": expected shape [16, 32], got [8, 32]");
    }

    // config.json against the weights, key by key: the error names the key and both values
    // instead of reporting some missing tensor far down the list.
    void configDimensionsAgainstWeights_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("message");
        QTest::newRow("layers") << "\"num_hidden_layers\": 2" << "\"num_hidden_layers\": 5"
                                << "key \"num_hidden_layers\": 5, but the weights hold 2 layers";
        QTest::newRow("layers 1e9") << "\"num_hidden_layers\": 2" << "\"num_hidden_layers\": 1000000000"
                                    << "key \"num_hidden_layers\": 1000000000 is beyond the supported maximum of 1024";
        QTest::newRow("vocab") << "\"vocab_size\": 50" << "\"vocab_size\": 60"
                               << "key \"vocab_size\" = 60, but tensor \"model.embed_tokens.weight\" in model.safetensors has 50 rows";
        QTest::newRow("intermediate") << "\"intermediate_size\": 48" << "\"intermediate_size\": 64"
                                      << "key \"intermediate_size\" = 64, but tensor \"model.layers.0.mlp.gate_proj.weight\"";
        QTest::newRow("kv heads") << "\"num_key_value_heads\": 2" << "\"num_key_value_heads\": 4"
                                  << "num_key_value_heads (4) x head_dim (8) = 32, but tensor \"model.layers.0.self_attn.k_proj.weight\"";
    }

    void configDimensionsAgainstWeights()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, message);
        writeTestModel(smallSpec(), dir("dims"));
        std::string cfg = readAll(dir("dims") / "config.json");
        const auto at = cfg.find(from.toStdString());
        QVERIFY2(at != std::string::npos, cfg.c_str());
        cfg.replace(at, static_cast<std::size_t>(from.size()), to.toStdString());
        writeAll(dir("dims") / "config.json", cfg);
        expectThrows<FormatError>([&] { Checkpoint::open(dir("dims")); }, qPrintable(message));
    }

    void pickleAndArchitectureRefused()
    {
        fs::create_directories(dir("pickle"));
        writeTestModel(smallSpec(), dir("pickle"));
        fs::remove(dir("pickle") / "model.safetensors");
        writeAll(dir("pickle") / "pytorch_model.bin", "PK\x03\x04 pickle");
        expectThrows<LoadError>([&] { Checkpoint::open(dir("pickle")); }, "pickle checkpoints are refused");
        writeTestModel(smallSpec(), dir("arch"));
        std::string cfg = readAll(dir("arch") / "config.json");
        cfg.replace(cfg.find("LlamaForCausalLM"), 16, "FalconForCausalLM");
        writeAll(dir("arch") / "config.json", cfg);
        expectThrows<UsageError>([&] { Checkpoint::open(dir("arch")); }, "supported: LlamaForCausalLM");
        writeAll(dir("arch") / "config.json", "{]");
        expectThrows<FormatError>([&] { Checkpoint::open(dir("arch")); }, "config.json: not valid JSON");
        expectThrows<LoadError>([&] { Checkpoint::open(dir("nothing-here")); }, "not a directory");
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
