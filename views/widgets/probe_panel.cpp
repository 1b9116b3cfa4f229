#include "widgets/probe_panel.h"

#include "plots/heatmap_plot.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <cmath>

namespace headscope::views {

namespace {
template <typename T>
bool parseList(const QString& text, const QString& field, std::vector<T>* out, QString* error)
{
    out->clear();
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok || v < 0) {
            *error = QStringLiteral("%1: '%2' is not a non-negative number").arg(field, part.trimmed());
            return false;
        }
        out->push_back(static_cast<T>(v));
    }
    if (out->empty()) {
        *error = QStringLiteral("%1: enter at least one value, separated by commas").arg(field);
        return false;
    }
    return true;
}
} // namespace

ProbePanel::ProbePanel(QWidget* parent)
    : QWidget(parent), m_lengths(new QLineEdit(QStringLiteral("1000, 2000, 4000, 8000"), this)),
      m_depths(new QLineEdit(QStringLiteral("0, 25, 50, 75, 100"), this)), m_needles(new QPlainTextEdit(this)),
      m_haystack(new QLineEdit(this)), m_output(new QLineEdit(QStringLiteral("probe_session.h5"), this)),
      m_device(new QComboBox(this)), m_maxTokens(new QSpinBox(this)), m_progress(new QProgressBar(this)), m_eta(new QLabel(this)),
      m_start(new QPushButton(QStringLiteral("Start probe"), this)), m_cancel(new QPushButton(QStringLiteral("Cancel"), this)),
      m_live(new HeatmapPlot(this))
{
    m_needles->setPlaceholderText(QStringLiteral("{\"needle\": \"…\", \"question\": \"…\", \"real_needle\": \"…\"}  (one JSON object per line)"));
    m_haystack->setPlaceholderText(QStringLiteral("text file or folder of .txt files (empty: generated filler)"));
    m_maxTokens->setRange(1, 1024);
    m_maxTokens->setValue(32);
    m_device->addItem(QStringLiteral("cpu"));
    m_device->addItem(QStringLiteral("cuda"));
    setCudaAvailable(false);
    auto* loadNeedlesButton = new QPushButton(QStringLiteral("Load JSONL…"), this);
    auto* saveNeedlesButton = new QPushButton(QStringLiteral("Save JSONL…"), this);
    auto* browse = new QPushButton(QStringLiteral("Browse…"), this);
    auto* haystackRow = new QHBoxLayout;
    haystackRow->addWidget(m_haystack, 1);
    haystackRow->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(QStringLiteral("Context lengths"), m_lengths);
    form->addRow(QStringLiteral("Depths (%)"), m_depths);
    form->addRow(QStringLiteral("Haystack"), haystackRow);
    form->addRow(QStringLiteral("Device"), m_device);
    form->addRow(QStringLiteral("Max new tokens"), m_maxTokens);
    form->addRow(QStringLiteral("Session file"), m_output);
    auto* needleButtons = new QHBoxLayout;
    needleButtons->addWidget(loadNeedlesButton);
    needleButtons->addWidget(saveNeedlesButton);
    needleButtons->addStretch(1);
    auto* setup = new QGroupBox(QStringLiteral("Probe"), this);
    auto* setupLayout = new QVBoxLayout(setup);
    setupLayout->addLayout(form);
    setupLayout->addWidget(new QLabel(QStringLiteral("Needles"), this));
    setupLayout->addWidget(m_needles, 1);
    setupLayout->addLayout(needleButtons);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_start);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_progress, 1);
    runRow->addWidget(m_eta);
    setupLayout->addLayout(runRow);
    setup->setMaximumWidth(520);
    m_live->setValueLabel(QStringLiteral("InfScore (tests so far)"));
    m_live->setEmptyText(QStringLiteral("Head scores appear here as tests finish"));
    m_live->setData(0, 0, {});
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(setup);
    layout->addWidget(m_live, 1);
    setRunning(false);

    connect(m_start, &QPushButton::clicked, this, [this] {
        ProbeRequest req;
        QString error;
        if (!request(&req, &error)) {
            Q_EMIT problem(QStringLiteral("Starting the probe"), error);
            return;
        }
        Q_EMIT startRequested(req);
    });
    connect(m_cancel, &QPushButton::clicked, this, &ProbePanel::cancelRequested);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Haystack text"), QString(),
                                                          QStringLiteral("Text (*.txt);;All files (*)"));
        if (!path.isEmpty())
            m_haystack->setText(path);
    });
    connect(loadNeedlesButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Load needles"), QString(),
                                                          QStringLiteral("JSON lines (*.jsonl)"));
        QString error;
        if (!path.isEmpty() && !loadNeedles(path, &error))
            Q_EMIT problem(QStringLiteral("Loading needles from %1").arg(path), error);
    });
    connect(saveNeedlesButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save needles"), QString(),
                                                          QStringLiteral("JSON lines (*.jsonl)"));
        QString error;
        if (!path.isEmpty() && !saveNeedles(path, &error))
            Q_EMIT problem(QStringLiteral("Saving needles to %1").arg(path), error);
    });
}

void ProbePanel::setCudaAvailable(bool available)
{
    if (auto* items = qobject_cast<QStandardItemModel*>(m_device->model()))
        items->item(1)->setEnabled(available);
    if (!available)
        m_device->setCurrentIndex(0);
}

bool ProbePanel::parseNeedles(const QString& jsonl, std::vector<NeedleEntry>* out, QString* error)
{
    out->clear();
    const QStringList lines = jsonl.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError pe{};
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &pe);
        if (!doc.isObject()) {
            *error = QStringLiteral("line %1: not a JSON object (%2)").arg(i + 1).arg(pe.errorString());
            return false;
        }
        const QJsonObject o = doc.object();
        NeedleEntry e{o.value(QStringLiteral("needle")).toString(), o.value(QStringLiteral("question")).toString(),
                      o.value(QStringLiteral("real_needle")).toString(), o.value(QStringLiteral("answer")).toString()};
        if (e.needle.isEmpty() || e.question.isEmpty()) {
            *error = QStringLiteral("line %1: \"needle\" and \"question\" are required strings").arg(i + 1);
            return false;
        }
        out->push_back(std::move(e));
    }
    if (out->empty()) {
        *error = QStringLiteral("no needles: add at least one JSON line");
        return false;
    }
    return true;
}

QString ProbePanel::needlesToJsonl(const std::vector<NeedleEntry>& needles)
{
    QString text;
    for (const NeedleEntry& e : needles) {
        QJsonObject o;
        o.insert(QStringLiteral("needle"), e.needle);
        o.insert(QStringLiteral("question"), e.question);
        if (!e.realNeedle.isEmpty())
            o.insert(QStringLiteral("real_needle"), e.realNeedle);
        if (!e.answer.isEmpty())
            o.insert(QStringLiteral("answer"), e.answer);
        text += QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + QLatin1Char('\n');
    }
    return text;
}

bool ProbePanel::loadNeedles(const QString& path, QString* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, f.errorString());
        return false;
    }
    const QString text = QString::fromUtf8(f.readAll());
    std::vector<NeedleEntry> parsed;
    if (!parseNeedles(text, &parsed, error)) {
        *error = QStringLiteral("%1: %2").arg(path, *error);
        return false;
    }
    m_needles->setPlainText(text.trimmed());
    return true;
}

bool ProbePanel::saveNeedles(const QString& path, QString* error) const
{
    std::vector<NeedleEntry> parsed;
    if (!parseNeedles(m_needles->toPlainText(), &parsed, error))
        return false;
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(needlesToJsonl(parsed).toUtf8()) < 0 || !f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

bool ProbePanel::request(ProbeRequest* out, QString* error) const
{
    if (!parseList(m_lengths->text(), QStringLiteral("Context lengths"), &out->lengths, error) ||
        !parseList(m_depths->text(), QStringLiteral("Depths"), &out->depths, error))
        return false;
    for (double d : out->depths)
        if (d > 100.0) {
            *error = QStringLiteral("Depths: %1 is above 100%").arg(d);
            return false;
        }
    if (!parseNeedles(m_needles->toPlainText(), &out->needles, error))
        return false;
    out->haystack = m_haystack->text().trimmed();
    out->device = m_device->currentText();
    out->output = m_output->text().trimmed();
    out->maxNewTokens = m_maxTokens->value();
    if (out->output.isEmpty()) {
        *error = QStringLiteral("Session file: choose where to write the session");
        return false;
    }
    return true;
}

QString ProbePanel::eta(int done, int total, double elapsedSeconds)
{
    if (done <= 0 || total <= done)
        return {};
    const auto remaining = static_cast<long long>(std::llround(elapsedSeconds / done * (total - done)));
    return QStringLiteral("%1:%2 left").arg(remaining / 60).arg(remaining % 60, 2, 10, QLatin1Char('0'));
}

void ProbePanel::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    if (!running)
        m_eta->clear();
}

void ProbePanel::setProgress(int done, int total, double elapsedSeconds)
{
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(done);
    m_progress->setFormat(QStringLiteral("%v / %m tests"));
    m_eta->setText(eta(done, total, elapsedSeconds));
}

void ProbePanel::showSnapshot(const ScoreMatrix& scores)
{
    m_live->setData(scores.layers, scores.heads, scores.values);
}

} // namespace headscope::views
