// MainWindow: opening real score files fills the views, errors name the file, settings are
// remembered, and every tab renders.
#include "main_window.h"

#include "controllers/session_controller.h"
#include "plots/heatmap_plot.h"
#include "widgets/budget_panel.h"
#include "widgets/param_slider.h"
#include "widgets/scores_panel.h"

#include "headscope/core/session.h"

#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QTimer>
#include <QSet>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

namespace {
const QString kInfList = QStringLiteral(
    HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/dililazykv/meta-llama_Meta-Llama-3-8B-Instruct_head_infscores_list_20250428_105630.json");
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        AppSettings().clearRecentFiles();
    }

    void opensRealScoreFile()
    {
        if (!QFileInfo::exists(kInfList))
            QFAIL("head-score file missing from tests/data/head_scores");
        MainWindow window;
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(kInfList);
        QVERIFY(opened.wait(10000));
        views::HeatmapPlot* map = window.scoresPanel()->heatmap();
        QCOMPARE(map->rows(), 32);
        QCOMPARE(map->cols(), 32);
        QCOMPARE(window.scoresPanel()->metric(), HeadMetric::Inf);
        // 6 tests per head in this file: the tooltip carries a CI.
        QVERIFY2(map->tooltipText(16, 10).contains(QStringLiteral("6 tests")), qPrintable(map->tooltipText(16, 10)));
        QVERIFY(window.budgetPanel()->plan().has_value());
        QCOMPARE(window.budgetPanel()->plan()->layers, 32);
        QCOMPARE(AppSettings().recentFiles().value(0), QDir::cleanPath(kInfList));
    }

    void addScoreFileAsMetric()
    {
        const QString inf = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/dililazykv/head_inf.json");
        const QString lazy = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/dililazykv/head_lazy.json");
        if (!QFileInfo::exists(inf) || !QFileInfo::exists(lazy))
            QFAIL("head-score file missing from tests/data/head_scores");
        MainWindow window;
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(inf);
        QVERIFY(opened.wait(10000));
        const double infValue = window.scoresPanel()->heatmap()->value(17, 24);
        window.addScoreFile(lazy);
        QVERIFY(opened.wait(10000));
        QCOMPARE(window.scoresPanel()->scoreSet().metrics.size(), std::size_t{2});
        QCOMPARE(window.scoresPanel()->metric(), HeadMetric::Lazy);
        QVERIFY(window.scoresPanel()->heatmap()->value(17, 24) != infValue);
        QVERIFY(window.scoresPanel()->setMetric(HeadMetric::Inf));
        QCOMPARE(window.scoresPanel()->heatmap()->value(17, 24), infValue);

        QTemporaryDir dir;
        const QString small = dir.filePath(QStringLiteral("small_lazy.json"));
        QFile f(small);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"0-0\": [1], \"0-1\": [2], \"1-0\": [3], \"1-1\": [4]}");
        f.close();
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.addScoreFile(small);
        QVERIFY(errors.wait(10000));
        QVERIFY2(errors.at(0).at(1).toString().contains(QStringLiteral("2 layers × 2 heads")),
                 qPrintable(errors.at(0).at(1).toString()));
        QCOMPARE(window.scoresPanel()->scoreSet().metrics.size(), std::size_t{2});
    }

    void dropOpensFile()
    {
        if (!QFileInfo::exists(kInfList))
            QFAIL("head-score file missing from tests/data/head_scores");
        MainWindow window;
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kInfList)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &drop);
        QVERIFY(opened.wait(10000));
        QCOMPARE(window.scoresPanel()->heatmap()->rows(), 32);

        QMimeData other;
        other.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/picture.png"))});
        QDragEnterEvent reject(QPoint(10, 10), Qt::CopyAction, &other, Qt::LeftButton, Qt::NoModifier);
        reject.ignore();
        QCoreApplication::sendEvent(&window, &reject);
        QVERIFY(!reject.isAccepted());
    }

    void errorsNameTheFile()
    {
        MainWindow window;
        QSignalSpy errors(&window, &MainWindow::errorShown);
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken_scores.json"));
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"0-0\": [0.1], \"0-x\": [0.2]}");
        f.close();
        window.openFile(broken);
        QVERIFY(errors.wait(10000));
        QString message = errors.at(0).at(0).toString() + QLatin1Char(' ') + errors.at(0).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("broken_scores.json")), qPrintable(message));

        window.openFile(dir.filePath(QStringLiteral("notes.txt")));
        QCOMPARE(errors.count(), 2);
        message = errors.at(1).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("notes.txt")) && message.contains(QStringLiteral("unknown file type")),
                 qPrintable(message));
    }

    void corruptManifestDialogNamesFileAndField()
    {
        // A session whose manifest holds null where a depth should be: the dialog the user sees
        // names the file, the field, what was expected and what is there (core's message, not
        // the JSON parser's).
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("corrupt_manifest.h5"));
        {
            SessionManifest m;
            m.layers = 2;
            m.heads = 2;
            m.kvHeads = 1;
            m.headDim = 16;
            m.lengths = {300};
            m.depths = {0.25};
            m.needlesJsonl = "{\"needle\": \"The code is 42.\", \"question\": \"What is the code?\", \"real_needle\": \"42\"}\n";
            m.device = "cpu";
            m.dtype = "f32";
            SessionWriter::create(path.toStdString(), m);
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const QByteArray was = "\"depths\":[0.25]", now = "\"depths\":[null]"; // same length
        const qsizetype at = bytes.indexOf(was);
        QVERIFY(at >= 0);
        bytes.replace(at, was.size(), now);
        f.seek(0);
        f.write(bytes);
        f.close();

        qunsetenv("HEADSCOPE_NO_DIALOGS"); // this test reads the real dialog
        const auto restore = qScopeGuard([] { qputenv("HEADSCOPE_NO_DIALOGS", "1"); });
        MainWindow window;
        QString title, informative;
        QTimer poll;
        poll.setInterval(20);
        connect(&poll, &QTimer::timeout, &window, [&] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                title = box->text();
                informative = box->informativeText();
                box->accept();
            }
        });
        poll.start();
        window.openFile(path);
        QTRY_VERIFY_WITH_TIMEOUT(!informative.isEmpty(), 10000);
        QCOMPARE(title, QStringLiteral("Opening %1").arg(path));
        QCOMPARE(informative,
                 path + QStringLiteral(": /manifest field \"depths\": expected an array of finite numbers, got [null]"));
    }

    // A message too long for the bar is cut on screen; the bar's tooltip holds all of it, and
    // follows the message (cleared with it).
    void longStatusMessageInTooltip()
    {
        MainWindow window;
        window.resize(640, 480);
        const QString message = QStringLiteral("Wrote /a/long/path/") + QString(300, QLatin1Char('x')) +
                                QStringLiteral("/budget.json: 32 layers, 8 KV heads, 1 024 tokens per head on average");
        window.statusBar()->showMessage(message);
        QCOMPARE(window.statusBar()->toolTip(), message);
        window.statusBar()->clearMessage();
        QCOMPARE(window.statusBar()->toolTip(), QString());
    }

    void everyTabHasAShortcut()
    {
        // View ▸ <tab> with Ctrl+1 … Ctrl+9, in tab order, for keyboard users and scripted runs.
        MainWindow window;
        QMenu* view = nullptr;
        for (QAction* a : window.menuBar()->actions())
            if (a->text() == QStringLiteral("&View"))
                view = a->menu();
        QVERIFY(view);
        int shortcuts = 0;
        for (QAction* a : view->actions()) {
            if (a->shortcut().isEmpty())
                continue;
            const int index = shortcuts++;
            QCOMPARE(a->shortcut(), QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
            QCOMPARE(a->text(), window.tabs()->tabText(index));
            a->trigger();
            QCOMPARE(window.tabs()->currentIndex(), index);
        }
        QCOMPARE(shortcuts, std::min(9, window.tabs()->count()));
    }

    void geometryIsRemembered()
    {
        {
            MainWindow window;
            window.resize(900, 640);
            window.tabs()->setCurrentIndex(1);
            window.budgetPanel()->capacitySlider()->setValue(256);
            window.budgetPanel()->setMethod(AllocationMethod::Pyramid);
            window.close();
        }
        MainWindow again;
        QCOMPARE(again.size(), QSize(900, 640));
        QCOMPARE(again.tabs()->currentIndex(), 1);
        QCOMPARE(again.budgetPanel()->capacitySlider()->value(), 256.0);
        QCOMPARE(again.budgetPanel()->method(), AllocationMethod::Pyramid);
    }

    void statusMessagesNeverCoverTheSourceLabel()
    {
        // A message shown before the window is (as when opening a file from the command line,
        // or in an offscreen grab) and one shown after: both leave the open file's label visible
        // and to the right of the message text.
        MainWindow window;
        const QString before = QStringLiteral("Opening /a/rather/long/path/to/a/probe/session.h5…");
        window.statusBar()->showMessage(before);
        window.resize(1100, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* label = window.statusBar()->findChild<QLabel*>(QStringLiteral("sourceLabel"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("No file open"));
        for (const QString& message : {before, QStringLiteral("Error: a transient message after the window is shown")}) {
            window.statusBar()->showMessage(message);
            QApplication::processEvents();
            (void)window.grab(); // lays out and paints as a screenshot does
            QVERIFY2(label->isVisible(), qPrintable(message));
            const int textRight = window.statusBar()->fontMetrics().horizontalAdvance(message) + 8;
            QVERIFY2(label->mapTo(&window, QPoint(0, 0)).x() > textRight,
                     qPrintable(QStringLiteral("label at x=%1, message ends near %2")
                                    .arg(label->mapTo(&window, QPoint(0, 0)).x())
                                    .arg(textRight)));
        }
    }

    void everyTabRenders()
    {
        if (!QFileInfo::exists(kInfList))
            QFAIL("head-score file missing from tests/data/head_scores");
        MainWindow window;
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(kInfList);
        QVERIFY(opened.wait(10000));
        window.resize(1100, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTemporaryDir dir;
        // File ▸ Export plot acts on the current tab's plot: the head heatmap here.
        window.tabs()->setCurrentWidget(window.scoresPanel());
        views::PlotWidget* plot = window.currentPlot();
        QCOMPARE(plot, static_cast<views::PlotWidget*>(window.scoresPanel()->heatmap()));
        for (const char* suffix : {"png", "svg", "pdf"}) {
            const QString path = dir.filePath(QStringLiteral("heads.") + QLatin1String(suffix));
            QString error;
            QVERIFY2(plot->exportTo(path, &error), qPrintable(error));
            QVERIFY(QFileInfo(path).size() > 1000);
        }
        const QStringList files = window.saveScreenshots(dir.filePath(QStringLiteral("shots")));
        QCOMPARE(files.size(), window.tabs()->count());
        for (const QString& file : files) {
            const QImage image(file);
            QCOMPARE(image.size(), QSize(1100, 700));
            QSet<QRgb> colors;
            for (int y = 0; y < image.height(); y += 3)
                for (int x = 0; x < image.width(); x += 3)
                    colors.insert(image.pixel(x, y));
            QVERIFY2(colors.size() > 20, qPrintable(file));
        }
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
