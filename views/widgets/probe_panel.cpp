#include "widgets/probe_panel.h"

#include "plots/heatmap_plot.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_file.h" // writeTextFile

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <cmath>

namespace headscope::views {

ProbePanel::ProbePanel(QWidget* parent)
    : QWidget(parent), m_lengths(new QLineEdit(QStringLiteral("1000, 2000, 4000, 8000"), this)),
      m_depths(new QLineEdit(QStringLiteral("0, 25, 50, 75, 100"), this)), m_needles(new QPlainTextEdit(this)),
      m_haystack(new QLineEdit(this)), m_seed(new QSpinBox(this)), m_output(new QLineEdit(QStringLiteral("probe_session.h5"), this)),
      m_device(new QComboBox(this)), m_maxTokens(new QSpinBox(this)), m_progress(new QProgressBar(this)), m_eta(new QLabel(this)),
      m_start(new QPushButton(QStringLiteral("Start probe"), this)), m_cancel(new QPushButton(QStringLiteral("Cancel"), this)),
      m_live(new HeatmapPlot(this))
{
    m_needles->setPlaceholderText(QStringLiteral("{\"needle\": \"…\", \"question\": \"…\", \"real_needle\": \"…\"}  (one JSON object per line)"));
    m_haystack->setPlaceholderText(QStringLiteral("text file or folder of .txt files (empty: synthetic prose)"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(static_cast<int>(kDefaultHaystackSeed));
    m_seed->setToolTip(QStringLiteral("Seed of the synthetic haystack (used when no file or folder is given)"));
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
    form->addRow(QStringLiteral("Synthetic seed"), m_seed);
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
        try {
            Q_EMIT startRequested(request());
        } catch (const Error& e) {
            Q_EMIT problem(QStringLiteral("Starting the probe"), QString::fromStdString(e.what()));
        }
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

QString ProbePanel::device() const
{
    return m_device->currentText();
}

bool ProbePanel::loadNeedles(const QString& path, QString* error)
{
    try {
        // Parsed first, so a broken file leaves the editor as it was.
        m_needles->setPlainText(QString::fromStdString(needlesToJsonl(headscope::loadNeedles(path.toStdString()))).trimmed());
        return true;
    } catch (const Error& e) {
        *error = QString::fromStdString(e.what());
        return false;
    }
}

bool ProbePanel::saveNeedles(const QString& path, QString* error) const
{
    try {
        writeTextFile(path.toStdString(), needlesToJsonl(parseNeedles(m_needles->toPlainText().toStdString(), "Needles")));
        return true;
    } catch (const Error& e) {
        *error = QString::fromStdString(e.what());
        return false;
    }
}

ProbeRequest ProbePanel::request() const
{
    ProbeRequest r;
    r.lengths = parseLengths(m_lengths->text().toStdString(), "Context lengths");
    try {
        r.depths = parseDepths(m_depths->text().toStdString(), DepthUnit::Percent);
    } catch (const UsageError& e) {
        throw UsageError(std::string("Depths: ") + e.what());
    }
    r.needles = parseNeedles(m_needles->toPlainText().toStdString(), "Needles");
    const QString haystack = m_haystack->text().trimmed();
    r.haystack = haystack.isEmpty() ? HaystackSpec::synthetic(static_cast<uint64_t>(m_seed->value()))
                                    : HaystackSpec::fromPath(haystack.toStdString());
    r.maxNewTokens = m_maxTokens->value();
    const QString out = m_output->text().trimmed();
    if (!out.isEmpty())
        r.out = QFileInfo(out).absoluteFilePath().toStdString();
    return r;
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
