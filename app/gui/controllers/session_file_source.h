#pragma once
// SessionFileSource: views::SessionSource over core's HDF5 SessionReader (session.h). Converts
// between the views' plain values (depth in percent, gate by index) and core's query types;
// aggregation is delegated to the reader. Opened on a worker thread, then used on the GUI
// thread only (the reader is not shared between threads at the same time).
#include "models/session_source.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace headscope {
class SessionReader;
class Tokenizer;
struct StoredStep;
}

namespace headscope::app {

class SessionFileSource : public views::SessionSource {
public:
    // Throws LoadError / FormatError (from the reader) naming the file.
    static std::shared_ptr<SessionFileSource> open(const std::filesystem::path& path);
    ~SessionFileSource() override;

    QString path() const override;
    int layers() const override;
    int heads() const override;
    int kvHeads() const override;
    int headDim() const override;
    std::vector<int64_t> layerWindows() const override;
    std::vector<HeadMetric> metrics() const override;
    QStringList gates() const override;
    const std::vector<views::TestInfo>& tests() const override { return m_tests; }
    views::MetricMap aggregate(const views::AggregateQuery& query) const override;
    ScoreMatrix testScores(int testId, HeadMetric metric) const override;
    int steps(int testId) const override;
    std::optional<views::AttentionRow> attentionRow(int testId, int step, int layer, int head) const override;
    // The recorded ids (SessionReader::promptIds): FormatError naming the file and the missing
    // /tests/<id>/prompt_ids for sessions written before prompts were stored.
    std::vector<int32_t> promptIds(int testId) const override;

    const SessionReader& reader() const { return *m_reader; }

    // Token texts of a test's recorded prompt ids and generated tokens, decoded with the tokenizer
    // the session was recorded with (found at the manifest's model path, sha256-checked); empty
    // when that tokenizer is not available here or the session has no prompt ids.
    QStringList contextTokens(int testId) const;

private:
    explicit SessionFileSource(std::unique_ptr<SessionReader> reader);
    const std::vector<StoredStep>& stepsOf(int testId) const;
    const std::vector<int>& fullRowStepsOf(int testId) const;
    // All heads' full rows of one step; one step is cached because switching heads is the
    // common move and a step of a 32×32 model at 8k keys is ~32 MB.
    const std::vector<float>& fullRowsOf(int testId, int step, int64_t* rowLength) const;
    bool anyFullRows() const;
    const Tokenizer* recordedTokenizer() const; // null when unavailable; looked for once

    std::unique_ptr<SessionReader> m_reader;
    std::vector<views::TestInfo> m_tests;
    std::map<double, double> m_depthFraction; // percent shown → fraction stored
    mutable int m_cachedTest = -1;             // steps of the last test asked for (read lazily)
    mutable std::shared_ptr<std::vector<StoredStep>> m_cachedSteps;
    mutable std::map<int, std::vector<int>> m_fullRowSteps; // test id → steps with stored full rows
    mutable std::pair<int, int> m_cachedRowsKey{-1, -1};     // (test, step) of m_cachedRows
    mutable std::vector<float> m_cachedRows;                 // [layers, heads, m_cachedRowLength]
    mutable int64_t m_cachedRowLength = 0;
    mutable std::optional<bool> m_anyFullRows;
    mutable bool m_tokenizerTried = false;
    mutable std::shared_ptr<Tokenizer> m_tokenizer;
    mutable std::map<int, QStringList> m_tokens;  // test id → context token texts
};

} // namespace headscope::app
