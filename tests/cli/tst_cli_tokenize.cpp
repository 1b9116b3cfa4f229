// headscope-cli tokenize: --tokenizer takes a tokenizer.json or a checkpoint directory; any
// path it cannot read is named with the cause (never a stream exception); --decode refuses ids
// outside the vocabulary, naming the id and the vocabulary size, with a non-zero exit.
#include "cli/cli_process.h"
#include "tokenizer/small_tokenizer.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

class TestCliTokenize : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_model; // a directory holding tokenizer.json

    CliResult tokenize(QStringList args)
    {
        args.prepend(QStringLiteral("tokenize"));
        return runCli(args);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_model = m_tmp.filePath(QStringLiteral("model"));
        QVERIFY(QDir().mkpath(m_model));
        std::ofstream(QDir(m_model).filePath(QStringLiteral("tokenizer.json")).toStdString())
            << headscope::test::byteLevelTokenizer().dump();
    }

    void tokenizerFileOrDirectory()
    {
        for (const QString& where : {m_model, QDir(m_model).filePath(QStringLiteral("tokenizer.json"))}) {
            const CliResult r = tokenize({QStringLiteral("--tokenizer"), where, QStringLiteral("--text"), QStringLiteral("hello"),
                                          QStringLiteral("--json")});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QCOMPARE(r.out.trimmed(), QByteArray("{\"ids\":[259]}"));
        }
    }

    void unreadablePathsAreNamed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString empty = m_tmp.filePath(QStringLiteral("empty"));
        QDir().mkpath(empty);
        const QString missing = m_tmp.filePath(QStringLiteral("missing"));
        QTest::newRow("directory without tokenizer.json")
            << QStringList{QStringLiteral("--tokenizer"), empty, QStringLiteral("--text"), QStringLiteral("x")}
            << empty + QStringLiteral(": no tokenizer.json in this directory");
        QTest::newRow("missing tokenizer")
            << QStringList{QStringLiteral("--tokenizer"), missing, QStringLiteral("--text"), QStringLiteral("x")}
            << missing + QStringLiteral(": no such file");
        QTest::newRow("--model given a file")
            << QStringList{QStringLiteral("--model"), QDir(m_model).filePath(QStringLiteral("tokenizer.json")), QStringLiteral("--text"), QStringLiteral("x")}
            << QStringLiteral("is not a directory");
        QTest::newRow("--file given a directory")
            << QStringList{QStringLiteral("--model"), m_model, QStringLiteral("--file"), empty}
            << QStringLiteral("--file ") + empty + QStringLiteral(": is a directory, expected a file");
        QTest::newRow("--file missing")
            << QStringList{QStringLiteral("--model"), m_model, QStringLiteral("--file"), missing}
            << QStringLiteral("--file ") + missing + QStringLiteral(": no such file");
    }
    void unreadablePathsAreNamed()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const CliResult r = tokenize(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
        QVERIFY2(!r.err.contains("basic_filebuf") && !r.err.contains("internal error"), r.err.constData());
    }

    void decodeChecksIds()
    {
        CliResult r = tokenize({QStringLiteral("--model"), m_model, QStringLiteral("--decode"), QStringLiteral("--ids"), QStringLiteral("259,32")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("hello \n"));
        for (const QString& bad : {QStringLiteral("5,262"), QStringLiteral("-1"), QStringLiteral("1000000")}) {
            r = tokenize({QStringLiteral("--model"), m_model, QStringLiteral("--decode"), QStringLiteral("--ids"), bad});
            QVERIFY2(r.exitCode != 0, qPrintable(bad));
            const QString id = bad.split(u',').last();
            QVERIFY2(QString::fromUtf8(r.err).contains(QStringLiteral("token id ") + id), r.err.constData());
            QVERIFY2(r.err.contains("vocab size 262"), r.err.constData());
            QVERIFY(r.out.isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(TestCliTokenize)
#include "tst_cli_tokenize.moc"
