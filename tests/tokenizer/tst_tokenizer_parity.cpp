// Token ids equal the JavaScript reference (@lenml/tokenizers 3.7.2) on ≥1000 varied strings
// per tokenizer (tests/tools/tokenizer_corpus.js), and decode(encode(s)) == s.
#include "tokenizer_fixture.h"

#include "headscope/core/tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using headscope::Tokenizer;

class TestTokenizerParity : public QObject {
    Q_OBJECT

private:
    QJsonObject m_reference;

private Q_SLOTS:
    void initTestCase()
    {
        QFile f(QStringLiteral(HEADSCOPE_TEST_DATA_DIR "/tokenizers/reference_ids.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), "reference ids missing: run the fetch_tokenizers fixture");
        m_reference = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(m_reference.value(QStringLiteral("corpus")).toArray().size() >= 1000);
    }

    void parity_data()
    {
        QTest::addColumn<QString>("family");
        QTest::newRow("llama3") << QStringLiteral("llama3");
        QTest::newRow("mistral") << QStringLiteral("mistral");
        QTest::newRow("qwen2") << QStringLiteral("qwen2");
    }

    void parity()
    {
        QFETCH(QString, family);
        const Tokenizer tok = Tokenizer::fromDirectory(fetchedTokenizerDir(family.toUtf8().constData()).toStdString());
        const QJsonArray corpus = m_reference.value(QStringLiteral("corpus")).toArray();
        const QJsonArray expected = m_reference.value(QStringLiteral("ids")).toObject().value(family).toArray();
        QCOMPARE(expected.size(), corpus.size());
        int mismatches = 0, roundTripFailures = 0;
        QString firstMismatch;
        for (qsizetype i = 0; i < corpus.size(); ++i) {
            const std::string text = corpus[i].toString().toStdString();
            const std::vector<int32_t> ids = tok.encode(text);
            std::vector<int32_t> want;
            for (const auto& v : expected[i].toArray())
                want.push_back(v.toInt());
            if (ids != want) {
                if (mismatches++ == 0) {
                    QStringList got, exp;
                    for (int32_t id : ids)
                        got << QString::number(id);
                    for (int32_t id : want)
                        exp << QString::number(id);
                    firstMismatch = QStringLiteral("#%1 %2\n  got      [%3]\n  expected [%4]")
                                        .arg(i).arg(corpus[i].toString(), got.join(u','), exp.join(u','));
                }
            }
            if (tok.decode(ids) != text)
                ++roundTripFailures;
        }
        qInfo("%s: %lld strings, %d id mismatches, %d round-trip failures", qPrintable(family),
              static_cast<long long>(corpus.size()), mismatches, roundTripFailures);
        QVERIFY2(mismatches == 0, qPrintable(QStringLiteral("%1 mismatches; first: ").arg(mismatches) + firstMismatch));
        QCOMPARE(roundTripFailures, 0);
    }

    // The family BOS policy matches the reference's default encode (Mistral adds <s>).
    void defaultSpecialTokens_data() { parity_data(); }
    void defaultSpecialTokens()
    {
        QFETCH(QString, family);
        const Tokenizer tok = Tokenizer::fromDirectory(fetchedTokenizerDir(family.toUtf8().constData()).toStdString());
        const QJsonArray corpus = m_reference.value(QStringLiteral("corpus")).toArray();
        const QJsonArray expected = m_reference.value(QStringLiteral("with_special")).toObject().value(family).toArray();
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const bool refAddsBos = expected[i].toArray().size() > 0 && tok.bosId() &&
                                    expected[i].toArray().first().toInt() == *tok.bosId();
            const std::vector<int32_t> ids = tok.encode(corpus[i].toString().toStdString(), refAddsBos);
            std::vector<int32_t> want;
            for (const auto& v : expected[i].toArray())
                want.push_back(v.toInt());
            QCOMPARE(ids, want);
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizerParity)
#include "tst_tokenizer_parity.moc"
