#include "models/ablation_summary.h"

#include <QFileInfo>

#include <map>
#include <tuple>

namespace headscope::views {

namespace {
using CellKey = std::tuple<int, double, QString>; // length, depth %, needle
}

QString AblationSummary::headline() const
{
    if (empty())
        return QStringLiteral("No test of %1 matches a test of %2 (same length, depth and needle)")
            .arg(QFileInfo(maskedPath).fileName(), QFileInfo(basePath).fileName());
    const AblationRow& all = rows.front();
    QStringList parts;
    for (int g = 0; g < gates.size(); ++g)
        parts << QStringLiteral("%1 %2 → %3")
                     .arg(gates[g])
                     .arg(all.base[static_cast<std::size_t>(g)], 0, 'f', 1)
                     .arg(all.masked[static_cast<std::size_t>(g)], 0, 'f', 1);
    return QStringLiteral("Masked %1: %2 over %3 %4 (session → masked)")
        .arg(heads, parts.join(QStringLiteral(", ")))
        .arg(all.tests)
        .arg(all.tests == 1 ? QStringLiteral("test") : QStringLiteral("tests"));
}

AblationSummary summarizeAblation(const SessionSource& base, const SessionSource& masked, const QString& heads)
{
    AblationSummary s;
    s.basePath = base.path();
    s.maskedPath = masked.path();
    s.heads = heads;
    s.gates = base.gates();
    const auto gates = static_cast<std::size_t>(s.gates.size());
    std::map<CellKey, const TestInfo*> byCell;
    for (const TestInfo& t : base.tests())
        byCell.emplace(CellKey{t.length, t.depth, t.needleId}, &t);

    struct Sum {
        int tests = 0;
        std::vector<double> base, masked;
    };
    Sum all;
    std::map<int, Sum> byLength;
    std::map<double, Sum> byDepth;
    const auto add = [gates](Sum& sum, const TestInfo& b, const TestInfo& m) {
        sum.base.resize(gates, 0.0);
        sum.masked.resize(gates, 0.0);
        ++sum.tests;
        for (std::size_t g = 0; g < gates; ++g) {
            sum.base[g] += g < b.gates.size() ? b.gates[g] : 0.0;
            sum.masked[g] += g < m.gates.size() ? m.gates[g] : 0.0;
        }
    };
    for (const TestInfo& m : masked.tests()) {
        const auto it = byCell.find(CellKey{m.length, m.depth, m.needleId});
        if (it == byCell.end()) {
            ++s.unmatched;
            continue;
        }
        add(all, *it->second, m);
        add(byLength[m.length], *it->second, m);
        add(byDepth[m.depth], *it->second, m);
    }
    const auto row = [gates](const QString& label, const Sum& sum) {
        AblationRow r;
        r.label = label;
        r.tests = sum.tests;
        r.base.assign(gates, 0.0);
        r.masked.assign(gates, 0.0);
        for (std::size_t g = 0; g < gates && sum.tests > 0; ++g) {
            r.base[g] = sum.base[g] / sum.tests;
            r.masked[g] = sum.masked[g] / sum.tests;
        }
        return r;
    };
    s.rows.push_back(row(QStringLiteral("all"), all));
    for (const auto& [length, sum] : byLength)
        s.rows.push_back(row(QStringLiteral("length %1").arg(length), sum));
    for (const auto& [depth, sum] : byDepth)
        s.rows.push_back(row(QStringLiteral("depth %1%").arg(depth), sum));
    return s;
}

} // namespace headscope::views
