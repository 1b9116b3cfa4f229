// The repository stands on its own: no tracked file reads or cites a path outside it, code cites
// no issue numbers (a reader of the code cannot look them up), and every document a file cites
// under docs/ exists, down to the section labels ("§4A", "decision (f)") of docs/algorithms.md.
// Files are the tracked ones (`git ls-files`) when the source tree is a git checkout, otherwise
// every file below the source root except build trees, so the check also runs on an exported tree.
//
// The rules' own patterns are assembled at run time, so this file does not match them itself.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <utility>

namespace {

const QString kRoot = QStringLiteral(HEADSCOPE_SOURCE_DIR);

// Upstream data kept byte for byte: its text is not ours to reword.
bool isUpstreamData(const QString& path)
{
    return path.startsWith(QLatin1String("tests/data/")) && !path.endsWith(QLatin1String(".md"));
}

// Where an issue number would be a comment of ours: sources, build files, scripts, lists.
bool isCode(const QString& path)
{
    static const QStringList suffixes = {QStringLiteral("cpp"), QStringLiteral("h"),  QStringLiteral("hpp"),
                                         QStringLiteral("cmake"), QStringLiteral("sh"), QStringLiteral("js"),
                                         QStringLiteral("py"),    QStringLiteral("txt")};
    const QFileInfo info(path);
    return suffixes.contains(info.suffix()) || path.startsWith(QLatin1String("scripts/"))
           || path.startsWith(QLatin1String(".ci/"));
}

QStringList listFiles()
{
    QStringList files;
    if (QFileInfo::exists(kRoot + QStringLiteral("/.git"))) {
        QProcess git;
        git.setWorkingDirectory(kRoot);
        git.start(QStringLiteral("git"), {QStringLiteral("ls-files"), QStringLiteral("-z")});
        if (git.waitForFinished(60000) && git.exitStatus() == QProcess::NormalExit && git.exitCode() == 0) {
            for (const QByteArray& name : git.readAllStandardOutput().split('\0'))
                if (!name.isEmpty() && QFileInfo(kRoot + u'/' + QString::fromUtf8(name)).isFile())
                    files << QString::fromUtf8(name);
            return files;
        }
    }
    // No git (an exported tree): walk it, skipping VCS folders, node_modules and build trees.
    const QDir root(kRoot);
    QStringList pending = {kRoot};
    while (!pending.isEmpty()) {
        const QDir dir(pending.takeLast());
        for (const QFileInfo& e : dir.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
            if (e.isSymLink())
                continue;
            if (e.isDir()) {
                if (e.fileName() != QLatin1String(".git") && e.fileName() != QLatin1String("node_modules")
                    && !QFileInfo::exists(e.filePath() + QStringLiteral("/CMakeCache.txt")))
                    pending << e.filePath();
            } else {
                files << root.relativeFilePath(e.filePath());
            }
        }
    }
    return files;
}

// Text of a file, or a null string for binary files (a NUL byte in the first 8 KiB).
QString readText(const QString& path)
{
    QFile f(kRoot + u'/' + path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = f.readAll();
    if (bytes.left(8192).contains('\0'))
        return {};
    return QString::fromUtf8(bytes);
}

struct Rules {
    QRegularExpression outside;      // a path outside the repository
    QRegularExpression issueNumber;  // "issue N", "issue #N", "issues N"
    QRegularExpression bareSpec;     // a design document named without docs/
    QRegularExpression docsPath;     // docs/<name>.md
    QRegularExpression section;      // §<label>
    QRegularExpression decisions;    // "decision" or "decisions" followed by bracketed letters
    QSet<QString> sections;          // labels docs/algorithms.md defines
    QSet<QString> decisionLetters;   // decisions docs/algorithms.md defines
};

Rules makeRules(const QString& algorithmsText)
{
    const QString dots = QStringLiteral("\\.\\.");
    const QString shared = QStringLiteral("shared");
    Rules r;
    r.outside = QRegularExpression(dots + QStringLiteral("/") + shared + QStringLiteral("\\b|HEADSCOPE_")
                                   + shared.toUpper() + QStringLiteral("|\\b") + shared
                                   + QStringLiteral("/(spec|data)/"));
    r.issueNumber = QRegularExpression(QStringLiteral("\\biss") + QStringLiteral("ues?\\s*#?\\s*[0-9]+"),
                                       QRegularExpression::CaseInsensitiveOption);
    r.bareSpec = QRegularExpression(QStringLiteral("(?<![\\w/.-])(algorithms|tokenizers|architecture|conventions|"
                                                   "dependencies|peers)\\.md\\b"));
    r.docsPath = QRegularExpression(QStringLiteral("\\bdocs/[\\w./-]+?\\.md\\b"));
    r.section = QRegularExpression(QStringLiteral("§([0-9]+[A-Z]?)"));
    r.decisions = QRegularExpression(QStringLiteral("\\bdecisions?\\s+((?:\\([a-z]\\)(?:\\s*,\\s*|\\s+and\\s+|\\s*)?)+)"),
                                     QRegularExpression::CaseInsensitiveOption);
    const QRegularExpression sectionHeading(QStringLiteral("^#+\\s+§([0-9]+[A-Z]?)\\b"),
                                            QRegularExpression::MultilineOption);
    for (auto it = sectionHeading.globalMatch(algorithmsText); it.hasNext();)
        r.sections.insert(it.next().captured(1));
    const QRegularExpression decisionHeading(QStringLiteral("^#+\\s+Decision\\s+\\(([a-z])\\)"),
                                             QRegularExpression::MultilineOption);
    for (auto it = decisionHeading.globalMatch(algorithmsText); it.hasNext();)
        r.decisionLetters.insert(it.next().captured(1));
    return r;
}

// Violations in one file's text, as "path:line: what: the line".
QStringList scan(const QString& path, const QString& text, const Rules& r, const QSet<QString>& existing)
{
    QStringList out;
    const bool code = isCode(path);
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString& line = lines[i];
        auto report = [&](const QString& what) {
            out << QStringLiteral("%1:%2: %3: %4").arg(path).arg(i + 1).arg(what, line.trimmed().left(160));
        };
        if (line.contains(r.outside))
            report(QStringLiteral("reads or cites a path outside the repository"));
        if (code && line.contains(r.issueNumber))
            report(QStringLiteral("cites an issue number; say what the code does and why"));
        if (line.contains(r.bareSpec))
            report(QStringLiteral("cites a design document that is not in the repository; cite docs/<name>.md"));
        for (auto it = r.docsPath.globalMatch(line); it.hasNext();) {
            const QString doc = it.next().captured(0);
            if (!existing.contains(doc))
                report(QStringLiteral("cites %1, which is not a file of the repository (git ls-files)").arg(doc));
        }
        if (path == QLatin1String("docs/algorithms.md"))
            continue; // its own labels are the definitions, checked through the other files
        for (auto it = r.section.globalMatch(line); it.hasNext();) {
            const QString label = it.next().captured(1);
            if (!r.sections.contains(label))
                report(QStringLiteral("cites §%1, which docs/algorithms.md does not define").arg(label));
        }
        for (auto it = r.decisions.globalMatch(line); it.hasNext();) {
            const QString list = it.next().captured(1);
            static const QRegularExpression letter(QStringLiteral("\\(([a-z])\\)"));
            for (auto l = letter.globalMatch(list); l.hasNext();) {
                const QString d = l.next().captured(1);
                if (!r.decisionLetters.contains(d))
                    report(QStringLiteral("cites decision (%1), which docs/algorithms.md does not define").arg(d));
            }
        }
    }
    return out;
}

} // namespace

class TestSelfContained : public QObject {
    Q_OBJECT

private:
    QStringList m_files;
    QSet<QString> m_existing;
    Rules m_rules;

private Q_SLOTS:
    void initTestCase()
    {
        m_files = listFiles();
        m_existing = QSet<QString>(m_files.begin(), m_files.end());
        m_rules = makeRules(readText(QStringLiteral("docs/algorithms.md")));
    }

    // The scan cannot pass vacuously: it sees the build files, this test and the documents.
    void filesAreListed()
    {
        for (const char* must : {"CMakeLists.txt", "README.md", "tests/repo/tst_self_contained.cpp",
                                 "docs/algorithms.md", "docs/tokenizers.md", "tests/data/README.md"})
            QVERIFY2(m_existing.contains(QLatin1String(must)), must);
        QVERIFY2(m_rules.sections.contains(QStringLiteral("4A")), "docs/algorithms.md defines no §4A heading");
        QVERIFY2(m_rules.decisionLetters.contains(QStringLiteral("a")), "docs/algorithms.md defines no decision (a)");
    }

    // Each rule flags what it is meant to flag (inputs built at run time, see the top comment).
    void rulesFlagViolations_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("line");
        const QString up = QStringLiteral("..");
        const QString iss = QStringLiteral("iss");
        QTest::newRow("parent path") << "core/a.cpp"
                                     << QStringLiteral("// see %1/%2/data/x.json").arg(up, QStringLiteral("shared"));
        QTest::newRow("cmake variable") << "tests/x.cmake"
                                        << QStringLiteral("set(HEADSCOPE_%1_DIR y)").arg(QStringLiteral("SHARED"));
        QTest::newRow("issue number") << "core/a.h" << QStringLiteral("// added for %1ue 12").arg(iss);
        QTest::newRow("issue hash") << "scripts/run" << QStringLiteral("# see %1ue #7").arg(iss);
        QTest::newRow("bare spec") << "core/a.h"
                                   << QStringLiteral("// algorithms%1md %21A").arg(QStringLiteral("."), QChar(0x00a7));
        QTest::newRow("missing doc") << "core/a.h"
                                     << QStringLiteral("// docs/nowhere%1md").arg(QStringLiteral("."));
        QTest::newRow("missing section") << "core/a.h" << QStringLiteral("// docs/algorithms.md %199Z").arg(QChar(0x00a7));
        QTest::newRow("missing decision") << "core/a.h"
                                          << QStringLiteral("// decisions (a) and (%1)").arg(QStringLiteral("z"));
    }
    void rulesFlagViolations()
    {
        QFETCH(QString, path);
        QFETCH(QString, line);
        QCOMPARE(scan(path, line, m_rules, m_existing).size(), 1);
    }
    void rulesAcceptCitationsThatResolve()
    {
        const QString ok = QStringLiteral("// docs/algorithms.md %14A, decisions (a), (f) and (g); README.md")
                               .arg(QChar(0x00a7));
        QVERIFY(scan(QStringLiteral("core/a.h"), ok, m_rules, m_existing).isEmpty());
        // Issue numbers are only a code rule: documents may cite an upstream project's threads.
        const QString doc = QStringLiteral("docs/") + QStringLiteral("x.md");
        QVERIFY(scan(doc, QStringLiteral("upstream iss") + QStringLiteral("ue #3"), m_rules, m_existing).isEmpty());
    }

    void everyTrackedFileStandsOnItsOwn()
    {
        QStringList violations;
        int scanned = 0;
        for (const QString& path : std::as_const(m_files)) {
            if (isUpstreamData(path))
                continue;
            const QString text = readText(path);
            if (text.isNull())
                continue;
            ++scanned;
            violations << scan(path, text, m_rules, m_existing);
        }
        qInfo("%d text files scanned", scanned);
        for (const QString& v : std::as_const(violations))
            qWarning("%s", qPrintable(v));
        QVERIFY2(violations.isEmpty(),
                 qPrintable(QStringLiteral("%1 violation(s), listed above").arg(violations.size())));
    }
};

QTEST_GUILESS_MAIN(TestSelfContained)
#include "tst_self_contained.moc"
