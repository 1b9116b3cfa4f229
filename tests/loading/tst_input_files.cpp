// Every reader of a JSON or text input goes through the one helper (core/common/file_read):
// given a directory, a missing path or a FIFO it throws LoadError naming the path and the
// cause, never a stream error such as "basic_filebuf::underflow".
#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/score_file.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;

class TestInputFiles : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    fs::path root() const { return m_tmp.path().toStdString(); }

    void expectNamed(const std::function<void(const fs::path&)>& read, const fs::path& path, const QString& cause)
    {
        try {
            read(path);
            QFAIL(qPrintable(QStringLiteral("read %1").arg(QString::fromStdString(path.string()))));
        } catch (const headscope::LoadError& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QString::fromStdString(path.string())) && msg.contains(cause), e.what());
            QVERIFY2(!msg.contains(QStringLiteral("basic_filebuf")), e.what());
        }
    }

private Q_SLOTS:
    void readersNameThePathAndCause_data()
    {
        QTest::addColumn<int>("reader");
        QTest::newRow("needles") << 0;
        QTest::newRow("score file") << 1;
        QTest::newRow("budget file") << 2;
        QTest::newRow("config.json") << 3;
        QTest::newRow("helper") << 4;
    }
    void readersNameThePathAndCause()
    {
        QFETCH(int, reader);
        const std::function<void(const fs::path&)> readers[] = {
            [](const fs::path& p) { headscope::loadNeedles(p); },
            [](const fs::path& p) { headscope::importScoreFile(p); },
            [](const fs::path& p) { headscope::readBudgetFile(p); },
            [](const fs::path& p) { headscope::loadModelConfig(p); },
            [](const fs::path& p) { headscope::readFileBytes(p); },
        };
        const auto& read = readers[reader];
        const fs::path dir = root() / ("dir" + std::to_string(reader) + ".json");
        fs::create_directories(dir);
        expectNamed(read, dir, QStringLiteral("is a directory"));
        expectNamed(read, root() / "missing.json", QStringLiteral("no such file"));
        const fs::path fifoDir = root() / ("fifo" + std::to_string(reader));
        fs::create_directories(fifoDir);
        const fs::path fifo = fifoDir / "input.txt";
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        expectNamed(read, fifo, QStringLiteral("not a regular file"));
    }
};

QTEST_GUILESS_MAIN(TestInputFiles)
#include "tst_input_files.moc"
