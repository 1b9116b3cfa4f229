#pragma once
// Between the Compare panel (plain values, views/) and the engine worker's CompareRequest /
// CompareResult: a probe test's recorded prompt into a request, and a result into what the
// panel shows. Kept out of MainWindow so the wiring there stays a few lines.
#include "controllers/engine_controller.h"
#include "widgets/compare_panel.h"

#include <QString>

namespace headscope::views {
class SessionSource;
struct TestInfo;
}

namespace headscope::app {

// "probe test 3: length 300, depth 50%" — what the prompt box shows instead of the text.
QString probeTestLabel(const views::TestInfo& test);

// Fills request.promptIds, needleSpan and promptSource from test `testId` of `session`.
// Throws UsageError when no HDF5 session is open and FormatError (naming the file and the
// missing /tests/<id>/prompt_ids) when the session predates stored prompts.
void useProbeTest(CompareRequest& request, const views::SessionSource* session, int testId);

views::ComparisonData comparisonViewData(const CompareResult& result);

} // namespace headscope::app
