// The demo model's training loop. Deterministic for a given seed and thread count: data comes
// from a seeded std::mt19937_64, weights from torch::manual_seed, and CPU kernels are
// deterministic for a fixed thread count.
#include "headscope/engine/demo_trainer.h"

#include "tiny_llama.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/tokenizer.h"
#include "headscope/core/errors.h"
#include "headscope/core/runtime_setup.h"

#include <ATen/Parallel.h> // at::set_num_threads
#include <torch/optim/adamw.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

namespace headscope {

namespace {

struct Batch {
    torch::Tensor ids;       // [batch, seq] int64
    torch::Tensor targets;   // [batch, seq] int64, -100 where no loss
    torch::Tensor isAnswer;  // [batch, seq] bool
    torch::Tensor isValue;   // [batch, seq] bool, the copied value's tokens
    // Copy positions (TrainingExample::copySource), flattened: row b, query t attends to s.
    torch::Tensor copyBatch, copyQuery, copySource; // [copies] int64 each
    torch::Tensor copyIsValue;                       // [copies] bool: the copy is a value token
    // Every real position after the first, for the previous-token head.
    torch::Tensor prevBatch, prevQuery;              // [positions] int64 each
};

struct Corpus {
    const Tokenizer& tokenizer;
    std::string haystack;
};

Batch makeBatch(const Corpus& corpus, std::mt19937_64& rng, int64_t length, int64_t tokensPerStep,
                double repeatShare = 0.0)
{
    // Documents are added until the batch holds tokensPerStep real tokens: a document can be
    // much longer than its nominal length (extra facts and their questions).
    std::vector<TrainingExample> examples;
    int64_t maxLen = 0, total = 0;
    while (total < tokensPerStep || examples.empty()) {
        const bool repeat = std::uniform_real_distribution<double>(0.0, 1.0)(rng) < repeatShare;
        examples.push_back(repeat ? makeRepeatExample(corpus.tokenizer, rng, static_cast<int>(length))
                                  : makeDemoExample(corpus.tokenizer, corpus.haystack, rng, static_cast<int>(length)));
        const auto n = static_cast<int64_t>(examples.back().ids.size());
        maxLen = std::max(maxLen, n);
        total += n;
    }
    const auto batchSize = static_cast<int64_t>(examples.size());
    auto ids = torch::zeros({batchSize, maxLen}, torch::kInt64);
    auto targets = torch::full({batchSize, maxLen}, -100, torch::kInt64);
    auto isAnswer = torch::zeros({batchSize, maxLen}, torch::kBool);
    auto isValue = torch::zeros({batchSize, maxLen}, torch::kBool);
    auto idsA = ids.accessor<int64_t, 2>();
    auto tgtA = targets.accessor<int64_t, 2>();
    auto ansA = isAnswer.accessor<bool, 2>();
    auto valA = isValue.accessor<bool, 2>();
    std::vector<int64_t> copyB, copyT, copyS, copyV, prevB, prevT;
    for (int64_t b = 0; b < batchSize; ++b) {
        const auto& ex = examples[static_cast<std::size_t>(b)];
        const int64_t n = static_cast<int64_t>(ex.ids.size());
        for (int64_t t = 0; t < n; ++t) {
            idsA[b][t] = ex.ids[static_cast<std::size_t>(t)];
            if (t > 0) {
                prevB.push_back(b);
                prevT.push_back(t);
            }
            if (const int32_t source = ex.copySource[static_cast<std::size_t>(t)]; source >= 0 && t + 1 < n) {
                copyB.push_back(b);
                copyT.push_back(t);
                copyS.push_back(source);
                copyV.push_back(ex.answerTarget[static_cast<std::size_t>(t)] == kValueToken);
            }
            const uint8_t kind = ex.answerTarget[static_cast<std::size_t>(t)];
            if (t + 1 < n && kind != kNoLoss) {
                tgtA[b][t] = ex.ids[static_cast<std::size_t>(t + 1)];
                ansA[b][t] = kind == kAnswerToken || kind == kValueToken;
                valA[b][t] = kind == kValueToken;
            }
        }
    }
    auto indices = [](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kInt64); };
    return {ids, targets, isAnswer, isValue, indices(copyB), indices(copyT), indices(copyS),
            indices(copyV).to(torch::kBool), indices(prevB), indices(prevT)};
}

// Looking at the right token is half of retrieval; the head must also carry it: what each
// retrieval head writes at a copy position, read out through the (tied) unembedding, should
// predict the copied token. Normalised first, so the loss cannot be lowered by growing the
// head's output.
torch::Tensor copySupervisionLoss(demo::TinyLlamaImpl& model, const std::vector<torch::Tensor>& headOutputs,
                                  const Batch& batch, const std::vector<std::pair<int64_t, int64_t>>& retrievalHeads)
{
    auto loss = torch::zeros({}, torch::kFloat32);
    if (batch.copyQuery.numel() == 0)
        return loss;
    const int64_t d = model.shape().headDim();
    auto copied = batch.ids.index({batch.copyBatch, batch.copySource}); // [copies]
    for (const auto& [layer, head] : retrievalHeads) {
        auto rows = headOutputs[static_cast<std::size_t>(layer)].index({batch.copyBatch, batch.copyQuery}); // [copies, H*d]
        auto written = model.projectHeadOutput(layer, head, rows.slice(1, head * d, (head + 1) * d));   // [copies, hidden]
        written = written * torch::rsqrt(written.pow(2).mean(-1, true) + 1e-5);
        auto logits = torch::matmul(written, model.embedding().t());                                     // [copies, vocab]
        loss = loss + torch::nn::functional::cross_entropy(logits, copied);
    }
    return loss;
}

// Attention supervision: -log of the attention a head pays where it should look, averaged.
// Retrieval heads should look at the earlier occurrence of the token about to be copied (the
// needle's token for an answer, the first copy for a repeat); the previous-token head at t - 1.
// Plain next-token training finds this circuit only after a long plateau that a 30-minute CPU
// budget does not reach; supervising it for the first part of training skips the plateau.
torch::Tensor attentionSupervisionLoss(const std::vector<torch::Tensor>& attention, const Batch& batch,
                                       const std::vector<std::pair<int64_t, int64_t>>& retrievalHeads,
                                       double* valueAttention = nullptr)
{
    auto loss = torch::zeros({}, torch::kFloat32);
    auto nll = [](const torch::Tensor& probabilities) { return -(probabilities + 1e-6).log().mean(); };
    if (batch.copyQuery.numel() > 0)
        for (const auto& [layer, head] : retrievalHeads) {
            const auto& a = attention[static_cast<std::size_t>(layer)];   // [batch, heads, seq, seq]
            auto headIdx = torch::full_like(batch.copyBatch, head);
            auto paid = a.index({batch.copyBatch, headIdx, batch.copyQuery, batch.copySource}); // [copies]
            loss = loss + nll(paid);
            // For the log: how much the head looks at the value it must copy, the one token
            // the question cannot predict.
            if (valueAttention && batch.copyIsValue.any().item<bool>())
                *valueAttention += paid.detach().index({batch.copyIsValue}).mean().item<double>() /
                                   static_cast<double>(retrievalHeads.size());
        }
    if (batch.prevQuery.numel() > 0) {
        auto headIdx = torch::zeros_like(batch.prevBatch);
        loss = loss + nll(attention.front().index({batch.prevBatch, headIdx, batch.prevQuery, batch.prevQuery - 1}));
    }
    return loss;
}

// The fixed held-out batch, one forward pass: mean next-token loss over its scored positions
// (the same batch before and after training tells whether training helped, free of the noise of
// per-step batches) and teacher-forced answer accuracy (an answer counts only if all its
// tokens are right).
struct HeldOut {
    double loss = 0.0;
    double answerAccuracy = 0.0;
};

HeldOut evaluate(demo::TinyLlamaImpl& model, const Batch& batch)
{
    torch::NoGradGuard noGrad;
    auto logits = model.forward(batch.ids);                                  // [batch, seq, vocab]
    HeldOut out;
    out.loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), batch.targets.reshape({-1}),
                                                    torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100))
                   .item<double>();
    auto predicted = logits.argmax(-1);                                      // [batch, seq]
    auto wrong = (predicted != batch.targets).logical_and(batch.isAnswer);   // [batch, seq]
    auto anyWrong = wrong.any(1);
    auto hasAnswer = batch.isAnswer.any(1);
    const double total = hasAnswer.sum().item<double>();
    const double correct = hasAnswer.logical_and(anyWrong.logical_not()).sum().item<double>();
    out.answerAccuracy = total > 0 ? correct / total : 0.0;
    return out;
}

void writeCheckpoint(demo::TinyLlamaImpl& model, const DemoTrainOptions& o)
{
    std::vector<TensorToWrite> tensors;
    for (const auto& [name, weight] : model.namedWeights()) {
        TensorToWrite t;
        t.name = name;
        t.dtype = ElementType::BF16;
        auto values = weight.detach().to(torch::kFloat32).contiguous();
        t.shape = values.sizes().vec();
        t.values.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
        tensors.push_back(std::move(t));
    }
    writeSafetensors(o.outDir / "model.safetensors", tensors, {{"format", "pt"}, {"producer", "headscope train-demo-model"}});
}

// Continues from an earlier run's weights (bf16 or f32 on disk); shapes must match exactly.
void loadWeights(demo::TinyLlamaImpl& model, const std::filesystem::path& file)
{
    const auto st = SafetensorsFile::open(file);
    torch::NoGradGuard noGrad;
    for (const auto& [name, weight] : model.namedWeights()) {
        const TensorView* t = st->find(name);
        if (!t)
            throw FormatError(file.string() + ": tensor " + name + " missing (--init needs a checkpoint of this shape)");
        if (t->shape != weight.sizes().vec())
            throw FormatError(file.string() + ": tensor " + name + " has another shape than the model being trained");
        torch::Tensor source;
        if (t->dtype == ElementType::BF16)
            source = torch::from_blob(const_cast<std::byte*>(t->data), t->shape, torch::kBFloat16);
        else if (t->dtype == ElementType::F32)
            source = torch::from_blob(const_cast<std::byte*>(t->data), t->shape, torch::kFloat32);
        else
            throw FormatError(file.string() + ": tensor " + name + ": --init reads bf16 or f32 weights");
        const_cast<torch::Tensor&>(weight).copy_(source.to(torch::kFloat32));
    }
}

} // namespace

DemoTrainResult trainDemoModel(const DemoTrainOptions& o, std::stop_token stop)
{
    if (o.outDir.empty())
        throw UsageError("train-demo-model: no output directory");
    if (o.hidden % o.heads != 0 || o.heads % o.kvHeads != 0 || o.layers < 1)
        throw UsageError("train-demo-model: inconsistent model shape (hidden " + std::to_string(o.hidden) + ", heads " +
                         std::to_string(o.heads) + ", kv heads " + std::to_string(o.kvHeads) + ")");
    std::error_code ec;
    if (!o.initFrom.empty() && std::filesystem::equivalent(o.initFrom, o.outDir, ec))
        throw UsageError("train-demo-model: --init " + o.initFrom.string() +
                         " is the output directory; write the continued model elsewhere");
    at::set_num_threads(o.threads > 0 ? o.threads : availableCores());

    // The word-level demo tokenizer is written first; config.json comes from the test-model
    // writer, whose random weights are replaced by the trained ones at the end.
    writeDemoTokenizer(o.outDir);
    TestModelSpec spec;
    spec.layers = o.layers;
    spec.hidden = o.hidden;
    spec.heads = o.heads;
    spec.kvHeads = o.kvHeads;
    spec.intermediate = o.intermediate;
    spec.tieEmbeddings = true;
    spec.tokenizerDir = o.outDir;
    spec.dtype = ElementType::BF16;
    spec.seed = o.seed;
    writeTestModel(spec, o.outDir);
    const Tokenizer tokenizer = Tokenizer::fromDirectory(o.outDir);
    const Corpus corpus{tokenizer, syntheticHaystack(o.seed + 1, 4u << 20)};

    demo::TinyLlamaShape shape;
    shape.vocab = loadModelConfig(o.outDir / "config.json").vocabSize;
    shape.hidden = o.hidden;
    shape.layers = o.layers;
    shape.heads = o.heads;
    shape.kvHeads = o.kvHeads;
    shape.intermediate = o.intermediate;
    demo::TinyLlamaImpl model(shape, o.seed);
    if (!o.initFrom.empty())
        loadWeights(model, o.initFrom / "model.safetensors");

    torch::optim::AdamW optimizer(model.parameters(),
                                  torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.98}).weight_decay(0.01));
    std::mt19937_64 rng(o.seed);
    std::mt19937_64 evalRng(o.seed ^ 0x9e3779b97f4a7c15ULL);
    const Batch evalBatch = makeBatch(corpus, evalRng, o.longMaxLen, 4 * o.longMaxLen);

    // Default retrieval heads: head 0 of the middle layer and the middle head of the last (two
    // KV groups apart when there are two); layer 0 head 0 is the previous-token head.
    std::vector<std::pair<int64_t, int64_t>> retrievalHeads = o.retrievalHeads;
    if (retrievalHeads.empty() && o.layers >= 2)
        retrievalHeads = {{o.layers / 2, 0}, {o.layers - 1, o.heads / 2}};
    for (const auto& [layer, head] : retrievalHeads)
        if (layer < 1 || layer >= o.layers || head < 0 || head >= o.heads)
            throw UsageError("train-demo-model: supervised retrieval head " + std::to_string(layer) + "." +
                             std::to_string(head) + " is outside layers 1.." + std::to_string(o.layers - 1) +
                             ", heads 0.." + std::to_string(o.heads - 1));

    const auto start = std::chrono::steady_clock::now();
    auto minutesSince = [&] {
        return std::chrono::duration<double, std::ratio<60>>(std::chrono::steady_clock::now() - start).count();
    };
    // Short runs (tests, smoke runs) warm up over a tenth of their budget instead of 100 steps,
    // so they train at the requested rate for most of it.
    const int64_t warmup = std::clamp<int64_t>(o.maxSteps / 10, 1, 100);
    const int64_t phaseOneSteps = static_cast<int64_t>(o.shortFraction * static_cast<double>(o.maxSteps));
    DemoTrainResult result;
    result.initialHeldOutLoss = evaluate(model, evalBatch).loss;
    double smoothedLoss = 0.0;
    for (int64_t step = 0; step < o.maxSteps; ++step) {
        if (stop.stop_requested()) {
            // The directory holds the writer's random initial weights: remove them, so it is
            // never mistaken for a trained checkpoint.
            std::filesystem::remove(o.outDir / "model.safetensors", ec);
            throw CancelledError();
        }
        if (minutesSince() > o.maxMinutes)
            break;
        const bool phaseOne = step < phaseOneSteps;
        const int64_t lo = phaseOne ? o.shortMinLen : o.longMinLen, hi = phaseOne ? o.shortMaxLen : o.longMaxLen;
        const int64_t length = std::uniform_int_distribution<int64_t>(lo, hi)(rng);
        Batch batch = makeBatch(corpus, rng, length, o.tokensPerStep, phaseOne ? o.repeatShare : 0.0);

        // Linear warm-up, then cosine decay to 10 % over the step budget.
        const double progress = static_cast<double>(step) / static_cast<double>(o.maxSteps);
        const double lr = step < warmup ? o.learningRate * static_cast<double>(step + 1) / warmup
                                        : o.learningRate * (0.1 + 0.45 * (1.0 + std::cos(M_PI * progress)));
        for (auto& group : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

        // Full weight for the first part, fading out linearly over the last 0.2 of it.
        const double supervisionWeight =
            o.attentionSupervision *
            std::clamp((o.supervisionUntil - progress) / 0.2, 0.0, 1.0);
        std::vector<torch::Tensor> attention, headOutputs;
        const bool supervise = supervisionWeight > 0.0;
        auto logits = model.forward(batch.ids, supervise ? &attention : nullptr, supervise ? &headOutputs : nullptr); // [b, s, vocab]
        auto flatLogits = logits.reshape({-1, logits.size(-1)});
        auto flatTargets = batch.targets.reshape({-1});
        auto perToken = torch::nn::functional::cross_entropy(
            flatLogits, flatTargets,
            torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kNone));
        auto valid = (flatTargets != -100).to(torch::kFloat32);
        auto answer = batch.isAnswer.reshape({-1}).to(torch::kFloat32);
        auto lmLoss = (perToken * valid).sum() / valid.sum().clamp_min(1.0);
        auto value = batch.isValue.reshape({-1}).to(torch::kFloat32);
        auto answerLoss = (perToken * answer).sum() / answer.sum().clamp_min(1.0);
        // The value tokens are the only ones that need retrieval; weighting them apart keeps
        // the template tokens of the answer from diluting that signal.
        auto valueLoss = (perToken * value).sum() / value.sum().clamp_min(1.0);
        auto loss = lmLoss + o.answerLossWeight * (answerLoss + valueLoss);
        const bool logStep = o.log && ((step + 1) % o.evalEvery == 0 || step + 1 == o.maxSteps);
        double attentionLossValue = 0.0, valueAttention = 0.0, copyLossValue = 0.0;
        if (supervise) {
            auto attentionLoss =
                attentionSupervisionLoss(attention, batch, retrievalHeads, logStep ? &valueAttention : nullptr);
            auto copyLoss = copySupervisionLoss(model, headOutputs, batch, retrievalHeads);
            if (logStep) {
                attentionLossValue = attentionLoss.item<double>();
                copyLossValue = copyLoss.item<double>();
            }
            loss = loss + supervisionWeight * (attentionLoss + copyLoss);
        }

        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();

        const double lossValue = loss.item<double>();
        smoothedLoss = step == 0 ? lossValue : 0.95 * smoothedLoss + 0.05 * lossValue;
        result.steps = step + 1;
        result.finalLoss = smoothedLoss;
        if (logStep) {
            const HeldOut heldOut = evaluate(model, evalBatch);
            std::ostringstream os;
            os << "step " << step + 1 << "  len " << length << "  loss " << smoothedLoss << "  answer-loss "
               << answerLoss.item<double>() << "  value-loss " << valueLoss.item<double>() << "  attention-loss " << attentionLossValue
               << "  value-attention " << valueAttention << "  copy-loss " << copyLossValue << "  held-out loss " << heldOut.loss
               << "  held-out answer accuracy " << heldOut.answerAccuracy << "  lr " << lr << "  "
               << minutesSince() << " min";
            o.log(os.str());
        }
    }
    const HeldOut heldOut = evaluate(model, evalBatch);
    result.finalAnswerAccuracy = heldOut.answerAccuracy;
    result.finalHeldOutLoss = heldOut.loss;
    result.minutes = minutesSince();
    writeCheckpoint(model, o);
    return result;
}

} // namespace headscope
