#include "controllers/compare_bridge.h"

#include "controllers/session_file_source.h"

#include "headscope/core/errors.h"

#include <QFileInfo>

namespace headscope::app {

QString probeTestLabel(const views::TestInfo& test)
{
    return QStringLiteral("probe test %1: length %2, depth %3%").arg(test.id).arg(test.length).arg(test.depth);
}

void useProbeTest(CompareRequest& request, const views::SessionSource* session, int testId)
{
    // Score files and in-memory sessions carry no prompts; only a probe session on disk does.
    const auto* file = dynamic_cast<const SessionFileSource*>(session);
    if (!file)
        throw UsageError("comparing on a probe test needs an open probe session (.h5) with test " +
                         std::to_string(testId));
    SessionFileSource::ProbePrompt prompt = file->probePrompt(testId);
    request.promptIds = std::move(prompt.ids);
    request.needleSpan = prompt.needleSpan;
    request.promptSource = QStringLiteral("probe test %1 of %2").arg(testId).arg(QFileInfo(file->path()).fileName());
}

views::ComparisonData comparisonViewData(const CompareResult& r)
{
    views::ComparisonData d;
    d.fullTokens = r.fullTokens;
    d.compressedTokens = r.variantTokens;
    d.variantTitle = r.variantTitle;
    d.klPerStep = r.klPerStep;
    d.fullPrefillMs = r.fullPrefillMs;
    d.compressedPrefillMs = r.variantPrefillMs;
    d.fullDecodeMsPerToken = r.fullDecodeMs;
    d.compressedDecodeMsPerToken = r.variantDecodeMs;
    d.fullKvBytes = r.fullKvBytes;
    d.compressedKvBytes = r.variantKvBytes;
    d.label = r.top1Agreement >= 0.0 ? QStringLiteral("%1 · top-1 agreement %2% (teacher-forced)")
                                           .arg(r.variantTitle)
                                           .arg(100.0 * r.top1Agreement, 0, 'f', 1)
                                     : r.variantTitle;
    if (!r.promptSource.isEmpty())
        d.label = QStringLiteral("%1, %2 prompt tokens · %3").arg(r.promptSource).arg(r.promptTokens).arg(d.label);
    d.promptText = r.promptText;
    d.needleLength = r.needleLength;
    d.needleKeptFraction = r.needleKeptFraction;
    for (const std::vector<int64_t>& layer : r.needleKept)
        d.needleKept.emplace_back(layer.begin(), layer.end());
    return d;
}

} // namespace headscope::app
