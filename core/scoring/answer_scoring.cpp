#include "headscope/core/answer_scoring.h"

#include "headscope/core/gates.h"

namespace headscope {

namespace {

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \n\t\r");
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \n\t\r") - b + 1);
}

} // namespace

AnswerScore scoreAnswer(const Tokenizer& tokenizer, std::span<const int32_t> generatedIds, const Needle& needle)
{
    AnswerScore score;
    score.text = trim(tokenizer.decode(generatedIds, /*skipSpecialTokens=*/true));
    score.rouge1 = rouge1Recall(needle.realNeedle, score.text);
    score.qaF1 = qaF1Score(score.text, needle.answer);
    return score;
}

} // namespace headscope
