#include "widgets/probe_panel.h"

#include "plots/heatmap_plot.h"
#include "widgets/ablation_view.h"

#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"
#include "headscope/core/score_file.h" // writeTextFile

#include <QApplication>
#include <QCheckBox>
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
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

namespace headscope::views {

namespace {

QString joined(const std::vector<int>& values)
{
    QStringList items;
    for (int v : values)
        items << QString::number(v);
    return items.join(QStringLiteral(", "));
}

QGroupBox* group(const QString& title, QLayout* layout, QWidget* parent)
{
    auto* box = new QGroupBox(title, parent);
    box->setLayout(layout);
    return box;
}

} // namespace

ProbePanel::ProbePanel(QWidget* parent)
    : QWidget(parent), m_lengths(new QLineEdit(QStringLiteral("1000, 2000, 4000, 8000"), this)),
      m_depths(new QLineEdit(QStringLiteral("0, 25, 50, 75, 100"), this)), m_needles(new QPlainTextEdit(this)),
      m_haystack(new QLineEdit(this)), m_seed(new QSpinBox(this)), m_haystackHint(new QLabel(this)),
      m_maxTokens(new QSpinBox(this)), m_stopEos(new QCheckBox(QStringLiteral("at an end-of-sequence token"), this)),
      m_stopNewline(new QCheckBox(QStringLiteral("at a newline"), this)),
      m_stopAnswer(new QCheckBox(QStringLiteral("after as many tokens as the answer has"), this)),
      m_chat(new QCheckBox(QStringLiteral("Wrap prompts in the model's chat template"), this)),
      m_template(new QPlainTextEdit(this)), m_mode(new QComboBox(this)), m_topK(new QSpinBox(this)),
      m_storeRows(new QLineEdit(this)), m_output(new QLineEdit(QStringLiteral("probe_session.h5"), this)),
      m_resume(new QCheckBox(QStringLiteral("Continue this session (skip its finished tests)"), this)),
      m_mask(new QLineEdit(this)), m_device(new QLabel(this)), m_note(new QLabel(this)),
      m_progress(new QProgressBar(this)), m_eta(new QLabel(this)), m_status(new QLabel(this)),
      m_start(new QPushButton(QStringLiteral("&Start probe"), this)), m_cancel(new QPushButton(QStringLiteral("Cancel"), this)),
      m_open(new QPushButton(QStringLiteral("&Open session"), this)), m_live(new HeatmapPlot(this)),
      m_ablation(new AblationView(this))
{
    m_needles->setPlaceholderText(QStringLiteral("{\"needle\": \"…\", \"question\": \"…\", \"real_needle\": \"…\"}  (one JSON object per line)"));
    m_needles->setPlainText(QString::fromStdString(needlesToJsonl(defaultNeedles())).trimmed());
    m_haystack->setPlaceholderText(QStringLiteral("(synthetic prose)"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(static_cast<int>(kDefaultHaystackSeed));
    m_seed->setToolTip(QStringLiteral("Seed of the synthetic haystack (used when no file or folder is given)"));
    m_haystackHint->setWordWrap(true);
    m_maxTokens->setRange(1, 4096);
    m_maxTokens->setValue(32);
    m_stopEos->setChecked(true);
    m_template->setPlainText(QString::fromUtf8(kDiliLazyKVTemplate));
    m_template->setToolTip(QStringLiteral("Prompt template: {context} is the haystack with the needle, {question} the "
                                          "needle's question"));
    m_template->setMaximumHeight(m_template->fontMetrics().lineSpacing() * 3 + 12);
    m_mode->addItem(QStringLiteral("all steps (prompt row and every decode step)"), QStringLiteral("all-steps"));
    m_mode->addItem(QStringLiteral("last prompt row only (DiliLazyKV)"), QStringLiteral("last-row"));
    m_topK->setRange(1, 4096);
    m_topK->setValue(kDefaultTopKInfScore);
    m_topK->setToolTip(QStringLiteral("K of the InfScore top-K (--top_k_infscore)"));
    m_storeRows->setPlaceholderText(QStringLiteral("test ids, or all (empty: none)"));
    m_storeRows->setToolTip(QStringLiteral("Also store these tests' complete attention rows (float16; steps × layers × "
                                           "heads × length × 2 bytes each)"));
    m_mask->setPlaceholderText(QStringLiteral("L-H, L-H, … (empty: none)"));
    m_mask->setToolTip(QStringLiteral("Zero these query heads' attention output in every test: an ablation"));
    m_device->setWordWrap(true);
    m_note->setWordWrap(true);
    m_note->setVisible(false);
    m_note->setStyleSheet(QStringLiteral("color: #8a5a00"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_open->setVisible(false);

    auto* loadNeedlesButton = new QPushButton(QStringLiteral("Load &JSONL…"), this);
    auto* saveNeedlesButton = new QPushButton(QStringLiteral("Save JSONL…"), this);
    auto* browseFile = new QPushButton(QStringLiteral("File…"), this);
    auto* browseDir = new QPushButton(QStringLiteral("Folder…"), this);
    auto* browseOut = new QPushButton(QStringLiteral("…"), this);
    auto* haystackRow = new QHBoxLayout;
    haystackRow->addWidget(m_haystack, 1);
    haystackRow->addWidget(browseFile);
    haystackRow->addWidget(browseDir);
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(m_output, 1);
    outRow->addWidget(browseOut);

    auto* grid = new QFormLayout;
    grid->addRow(QStringLiteral("Context &lengths"), m_lengths);
    grid->addRow(QStringLiteral("&Depths (%)"), m_depths);
    auto* needleButtons = new QHBoxLayout;
    needleButtons->addWidget(loadNeedlesButton);
    needleButtons->addWidget(saveNeedlesButton);
    needleButtons->addStretch(1);
    grid->addRow(QStringLiteral("&Needles"), m_needles);
    grid->addRow(QString(), needleButtons);
    auto* haystack = new QFormLayout;
    haystack->addRow(QStringLiteral("Text"), haystackRow);
    haystack->addRow(QStringLiteral("Synthetic seed"), m_seed);
    haystack->addRow(m_haystackHint);
    auto* generation = new QFormLayout;
    generation->addRow(QStringLiteral("Max new to&kens"), m_maxTokens);
    generation->addRow(QStringLiteral("Stop"), m_stopEos);
    generation->addRow(QString(), m_stopNewline);
    generation->addRow(QString(), m_stopAnswer);
    generation->addRow(m_chat);
    generation->addRow(QStringLiteral("Template"), m_template);
    generation->addRow(QStringLiteral("Mask heads"), m_mask);
    auto* scoring = new QFormLayout;
    scoring->addRow(QStringLiteral("Scored rows"), m_mode);
    scoring->addRow(QStringLiteral("InfScore top-K"), m_topK);
    scoring->addRow(QStringLiteral("Store full rows of"), m_storeRows);
    auto* output = new QFormLayout;
    // A row of a layout gets no buddy from addRow: the label names the line edit itself, so
    // Alt+I reaches it.
    auto* outLabel = new QLabel(QStringLiteral("Sess&ion file"), this);
    outLabel->setBuddy(m_output);
    output->addRow(outLabel, outRow);
    output->addRow(m_resume);
    output->addRow(QStringLiteral("Runs on"), m_device);

    auto* setup = new QWidget(this);
    auto* setupLayout = new QVBoxLayout(setup);
    setupLayout->addWidget(group(QStringLiteral("Grid"), grid, setup), 1);
    setupLayout->addWidget(group(QStringLiteral("Haystack"), haystack, setup));
    setupLayout->addWidget(group(QStringLiteral("Generation"), generation, setup));
    setupLayout->addWidget(group(QStringLiteral("Scoring"), scoring, setup));
    setupLayout->addWidget(group(QStringLiteral("Output"), output, setup));
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(setup);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(460);
    scroll->setMaximumWidth(560);
    // A field reached by keyboard (Tab, a mnemonic) is scrolled into view.
    connect(qApp, &QApplication::focusChanged, scroll, [scroll, setup](QWidget*, QWidget* now) {
        if (now && setup->isAncestorOf(now))
            scroll->ensureWidgetVisible(now);
    });

    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_start);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_progress, 1);
    runRow->addWidget(m_eta);
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_open);
    auto* left = new QVBoxLayout;
    left->addWidget(scroll, 1);
    left->addWidget(m_note);
    left->addLayout(runRow);
    left->addLayout(statusRow);

    m_live->setValueLabel(QStringLiteral("InfScore (tests so far)"));
    m_live->setEmptyText(QStringLiteral("Head scores appear here as tests finish"));
    m_live->setData(0, 0, {});
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_live);
    right->addWidget(m_ablation);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left);
    layout->addWidget(right, 1);
    setRunning(false);
    setDeviceText(QStringLiteral("no model loaded (Model tab or File ▸ Load model…)"));
    updateHaystackHint();

    connect(m_haystack, &QLineEdit::textChanged, this, &ProbePanel::updateHaystackHint);
    connect(m_seed, &QSpinBox::valueChanged, this, &ProbePanel::updateHaystackHint);
    connect(m_start, &QPushButton::clicked, this, [this] {
        try {
            Q_EMIT startRequested(request());
        } catch (const Error& e) {
            Q_EMIT problem(QStringLiteral("Starting the probe"), QString::fromStdString(e.what()));
        }
    });
    connect(m_cancel, &QPushButton::clicked, this, &ProbePanel::cancelRequested);
    connect(m_open, &QPushButton::clicked, this, [this] { Q_EMIT openRequested(m_openPath); });
    connect(browseFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Haystack text"), QString(),
                                                          QStringLiteral("Text (*.txt);;All files (*)"));
        if (!path.isEmpty())
            m_haystack->setText(path);
    });
    connect(browseDir, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Haystack folder (.txt files)"));
        if (!dir.isEmpty())
            m_haystack->setText(dir);
    });
    connect(browseOut, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Session file"), m_output->text(),
                                                          QStringLiteral("Probe sessions (*.h5)"), nullptr,
                                                          QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty())
            m_output->setText(QFileInfo(path).suffix().isEmpty() ? path + QStringLiteral(".h5") : path);
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

void ProbePanel::updateHaystackHint()
{
    const bool synthetic = m_haystack->text().trimmed().isEmpty();
    m_seed->setEnabled(synthetic);
    m_haystackHint->setText(synthetic
                                ? QStringLiteral("No file or folder: HeadScope's synthetic prose, seed %1 (the CLI's "
                                                 "--synthetic-haystack); the same seed gives the same haystack.")
                                      .arg(m_seed->value())
                                : QStringLiteral("A text file, or a folder whose .txt files are read in path order; "
                                                 "its sha256 is recorded in the session."));
}

void ProbePanel::setDeviceText(const QString& text)
{
    m_device->setText(text);
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
    r.stopAtEos = m_stopEos->isChecked();
    r.stopAtNewline = m_stopNewline->isChecked();
    r.stopAtAnswerLength = m_stopAnswer->isChecked();
    r.chat = m_chat->isChecked();
    r.promptTemplate = m_template->toPlainText().toStdString();
    r.mode = parseScoringMode(m_mode->currentData().toString().toStdString());
    r.topK = m_topK->value();
    const StoreRowsChoice rows = parseStoreRows(m_storeRows->text().toStdString(), "Store full rows of");
    r.storeRowsOfAll = rows.all;
    r.storeRowsOf = rows.ids;
    r.maskedHeads = parseHeadList(m_mask->text().toStdString(), "Mask heads");
    const QString out = m_output->text().trimmed();
    if (!out.isEmpty())
        r.out = QFileInfo(out).absoluteFilePath().toStdString();
    r.resume = m_resume->isChecked();
    return r;
}

void ProbePanel::applyRequest(const ProbeRequest& r, const QString& note)
{
    m_lengths->setText(joined(r.lengths));
    QStringList depths;
    for (double d : r.depths)
        depths << QString::number(std::round(d * 100.0 * 1e6) / 1e6);
    m_depths->setText(depths.join(QStringLiteral(", ")));
    m_needles->setPlainText(QString::fromStdString(needlesToJsonl(r.needles)).trimmed());
    if (r.haystack.kind == HaystackSpec::Kind::Synthetic) {
        m_haystack->clear();
        m_seed->setValue(static_cast<int>(r.haystack.seed));
    } else {
        m_haystack->setText(QString::fromStdString(r.haystack.path.string()));
    }
    m_maxTokens->setValue(r.maxNewTokens);
    m_stopEos->setChecked(r.stopAtEos);
    m_stopNewline->setChecked(r.stopAtNewline);
    m_stopAnswer->setChecked(r.stopAtAnswerLength);
    m_chat->setChecked(r.chat);
    m_template->setPlainText(QString::fromStdString(r.promptTemplate));
    m_mode->setCurrentIndex(std::max(0, m_mode->findData(QString::fromUtf8(scoringModeName(r.mode).data()))));
    m_topK->setValue(r.topK);
    m_storeRows->setText(r.storeRowsOfAll ? QStringLiteral("all") : joined(r.storeRowsOf));
    m_mask->setText(QString::fromStdString(formatHeadList(r.maskedHeads)).replace(QLatin1Char(','), QStringLiteral(", ")));
    if (!r.out.empty())
        m_output->setText(QString::fromStdString(r.out.string()));
    m_resume->setChecked(r.resume);
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
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
    if (running) {
        m_status->setText(QStringLiteral("Running…"));
        m_open->setVisible(false);
        m_note->setVisible(false);
    } else {
        m_eta->clear();
    }
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

void ProbePanel::setRunStatus(const QString& text, const QString& sessionPath)
{
    m_status->setText(text);
    m_openPath = sessionPath;
    m_open->setVisible(!sessionPath.isEmpty());
}

void ProbePanel::documentOpened(const QString& path)
{
    if (!m_openPath.isEmpty() && QFileInfo(path).absoluteFilePath() == QFileInfo(m_openPath).absoluteFilePath())
        m_open->setVisible(false);
}

void ProbePanel::clearRun()
{
    m_live->setData(0, 0, {});
    m_progress->reset();
    m_eta->clear();
}

} // namespace headscope::views
