// EngineController: work runs on the worker thread, the GUI event loop keeps running, stop
// requests cancel, errors arrive as failed() naming the file.
#include "controllers/compare_controller.h"
#include "controllers/engine_controller.h"
#include "models/session_source.h"

#include "headscope/core/checkpoint.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

class TestEngineController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void eventLoopKeepsRunningWhileWorkerIsBusy()
    {
        EngineController controller;
        QVERIFY(controller.workerThread()->isRunning());
        QVERIFY(controller.workerThread() != QThread::currentThread());
        QSignalSpy done(&controller, &EngineController::busyWaitFinished);
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
        timer.start(10);
        controller.busyWait(400);
        QVERIFY(controller.isBusy());
        QVERIFY(done.wait(5000));
        QCOMPARE(done.at(0).at(0).toBool(), false); // ran to the end, not stopped
        // 400 ms of worker time at a 10 ms GUI tick: the GUI thread was never blocked.
        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks))); // ~40 if never blocked; slack for a loaded CI box
        QVERIFY(!controller.isBusy());
    }

    void stopCancelsRun()
    {
        EngineController controller;
        QSignalSpy done(&controller, &EngineController::busyWaitFinished);
        QElapsedTimer clock;
        clock.start();
        controller.busyWait(10000);
        QTimer::singleShot(50, &controller, [&controller] { controller.requestStop(); });
        QVERIFY(done.wait(5000));
        QCOMPARE(done.at(0).at(0).toBool(), true);
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
        // A new run gets a fresh stop source: the old stop does not cancel it.
        controller.busyWait(30);
        QVERIFY(done.wait(5000));
        QCOMPARE(done.at(1).at(0).toBool(), false);
    }

    void missingCheckpointFailsWithPath()
    {
        EngineController controller;
        QSignalSpy failed(&controller, &EngineController::failed);
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("no_model_here"));
        controller.loadCheckpoint(missing);
        QVERIFY(failed.wait(10000));
        const QString message = failed.at(0).at(0).toString() + failed.at(0).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("no_model_here")), qPrintable(message));
        QVERIFY(controller.checkpoint() == nullptr);
    }

    void compareJobsReadPromptsThroughTheSessionInterface()
    {
        // Any SessionSource that records prompts serves Compare; no cast to the HDF5 one.
        views::MemorySessionSource::TestData recorded;
        recorded.info.id = 5;
        recorded.info.needleSpan = std::make_pair(int64_t(2), int64_t(4));
        recorded.promptIds = {11, 12, 13, 14, 15, 16};
        views::MemorySessionSource::TestData bare;
        bare.info.id = 6;
        auto session = std::make_shared<views::MemorySessionSource>(QStringLiteral("/runs/memory.h5"), 1, 1,
                                                                    std::vector<HeadMetric>{HeadMetric::Inf},
                                                                    QStringList{}, std::vector{recorded, bare});
        EngineController engine;
        CompareController compare(&engine);
        QSignalSpy failed(&compare, &CompareController::failed);
        QVERIFY(!compare.job(QString(), 5)); // no session yet
        QCOMPARE(failed.count(), 1);
        compare.setSession(session);
        const std::optional<CompareJob> job = compare.job(QStringLiteral("typed"), 5);
        QVERIFY(job);
        QCOMPARE(job->request.promptIds, recorded.promptIds);
        QCOMPARE(job->request.needleSpan, recorded.info.needleSpan);
        QCOMPARE(job->request.promptSource, std::string("probe test 5 of memory.h5"));
        QCOMPARE(job->request.options.maxNewTokens, CompareController::kMaxNewTokens);
        const std::optional<CompareJob> typed = compare.job(QStringLiteral("typed"), -1);
        QVERIFY(typed && typed->request.promptIds.empty());
        QCOMPARE(typed->prompt, QStringLiteral("typed"));
        QVERIFY(!compare.job(QString(), 6)); // recorded no prompt: said so, by name
        QCOMPARE(failed.count(), 2);
        QCOMPARE(failed.at(1).at(0).toString(), QStringLiteral("Comparing on probe test 6"));
        QVERIFY2(failed.at(1).at(1).toString().contains(QStringLiteral("records no prompts")),
                 qPrintable(failed.at(1).at(1).toString()));
    }

    void loadsModelCard()
    {
        QTemporaryDir dir;
        TestModelSpec spec;
        spec.layers = 3;
        spec.hidden = 64;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 96;
        spec.vocab = 300;
        spec.seed = 5;
        writeTestModel(spec, dir.path().toStdString());
        EngineController controller;
        QSignalSpy loaded(&controller, &EngineController::checkpointLoaded);
        controller.loadCheckpoint(dir.path());
        QVERIFY(loaded.wait(20000));
        const auto info = loaded.at(0).at(0).value<std::shared_ptr<const CheckpointInfo>>();
        QVERIFY(info);
        QCOMPARE(info->config.numLayers, int64_t{3});
        QCOMPARE(info->config.numHeads, int64_t{4});
        QCOMPARE(info->config.numKvHeads, int64_t{2});
        QCOMPARE(info->config.headDim, int64_t{16});
        QCOMPARE(info->config.vocabSize, int64_t{300});
        QCOMPARE(info->storedDtype, QStringLiteral("F32"));
        QVERIFY(info->weightBytes > 0);
        QCOMPARE(controller.checkpoint(), info.get());
        QVERIFY(!info->engineLoaded);

        // The same checkpoint loaded into the Engine on the worker thread.
        controller.loadCheckpoint(dir.path(), true);
        QVERIFY(loaded.wait(60000));
        const auto engineInfo = loaded.at(1).at(0).value<std::shared_ptr<const CheckpointInfo>>();
        QVERIFY(engineInfo->engineLoaded);
        QVERIFY2(engineInfo->device.contains(QStringLiteral("cpu")), qPrintable(engineInfo->device));
    }
};

QTEST_MAIN(TestEngineController)
#include "tst_engine_controller.moc"
