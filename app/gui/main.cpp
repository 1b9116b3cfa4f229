// headscope: the desktop workbench. Parses the command line, sets up the process (allocator,
// application identity, icon, style sheet) and opens the main window; everything else lives
// in MainWindow and controllers/.
//
//   headscope [FILE.h5|FILE.json] [--model DIR] [--screenshots DIR] [--status-log FILE]
#include "main_window.h"

#include "headscope/core/runtime_setup.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QIcon>
#include <QStatusBar>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
    headscope::configureAllocator();
    // --version must work without a display (packaging tests run it headless).
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--version") == 0) {
            std::printf("headscope %s\n", HEADSCOPE_VERSION);
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("HeadScope"));
    QApplication::setOrganizationName(QStringLiteral("HeadScope"));
    QApplication::setApplicationVersion(QStringLiteral(HEADSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/headscope.svg")));
    if (QFile qss(QStringLiteral(":/style/headscope.qss")); qss.open(QIODevice::ReadOnly))
        app.setStyleSheet(QString::fromUtf8(qss.readAll()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("HeadScope: which attention heads matter, and per-head KV budgets."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(QStringLiteral("model"), QStringLiteral("Load the model (checkpoint and weights) in <dir>."),
                                         QStringLiteral("dir"));
    const QCommandLineOption shotsOption(QStringLiteral("screenshots"),
                                         QStringLiteral("Save one PNG per main view into <dir> and exit."),
                                         QStringLiteral("dir"));
    const QCommandLineOption statusLogOption(
        QStringLiteral("status-log"),
        QStringLiteral("Append every status-bar message (errors included) to <file>, one line each, as it is shown."),
        QStringLiteral("file"));
    parser.addOption(modelOption);
    parser.addOption(shotsOption);
    parser.addOption(statusLogOption);
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A probe session (.h5) or score file (.json)."));
    parser.process(app);

    if (parser.isSet(shotsOption))
        qputenv("HEADSCOPE_NO_DIALOGS", "1"); // errors go to the status bar, nothing blocks
    // Declared before the window, so it outlives every message the window can show.
    QFile statusLog(parser.value(statusLogOption));
    headscope::app::MainWindow window;
    // A record of what the window said, for scripted runs (scripts/gui-walk waits on it) and for
    // users who want the messages that scrolled by; opened before anything can be said.
    if (parser.isSet(statusLogOption)) {
        if (!statusLog.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
            std::fprintf(stderr, "headscope: cannot write the status log %s: %s\n", qPrintable(statusLog.fileName()),
                         qPrintable(statusLog.errorString()));
            return 2;
        }
        QObject::connect(window.statusBar(), &QStatusBar::messageChanged, &window, [&statusLog](const QString& message) {
            if (message.isEmpty()) // the bar cleared itself: nothing was said
                return;
            statusLog.write(QStringLiteral("%1 %2\n")
                                .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs), message)
                                .toUtf8());
            statusLog.flush();
        });
    }
    const QStringList files = parser.positionalArguments();
    for (const QString& f : files)
        window.openFile(f);
    if (parser.isSet(modelOption))
        window.loadModel(parser.value(modelOption));

    if (parser.isSet(shotsOption)) {
        window.resize(1280, 800);
        window.show();
        // Let the queued open/load finish before grabbing.
        QTimer::singleShot(1500, &window, [&window, dir = parser.value(shotsOption)] {
            const QStringList written = window.saveScreenshots(dir);
            for (const QString& p : written)
                std::printf("%s\n", qPrintable(p));
            QApplication::exit(written.isEmpty() ? 1 : 0);
        });
        return QApplication::exec();
    }
    window.show();
    return QApplication::exec();
}
