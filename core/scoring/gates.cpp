// Gate values stored with every test (docs/algorithms.md decision (e)). Both mirror the Python
// reference scorers: rouge_score's tokenizer + ROUGE-1, and LongBench's qa_f1_score.
#include "headscope/core/gates.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace headscope {

namespace {

std::vector<std::string> splitWhitespace(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string tok;
    while (in >> tok)
        out.push_back(tok);
    return out;
}

// Σ min(count_a, count_b) over tokens: the Counter intersection both scorers use.
int64_t overlapCount(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
    std::map<std::string, int64_t> counts;
    for (const auto& t : a) ++counts[t];
    int64_t overlap = 0;
    for (const auto& t : b) {
        auto it = counts.find(t);
        if (it != counts.end() && it->second > 0) {
            --it->second;
            ++overlap;
        }
    }
    return overlap;
}

double f1(double precision, double recall)
{
    return precision + recall > 0.0 ? 2.0 * precision * recall / (precision + recall) : 0.0;
}

} // namespace

std::vector<std::string> rougeTokenize(std::string_view text, bool stem)
{
    std::string cleaned(text.size(), ' ');
    std::transform(text.begin(), text.end(), cleaned.begin(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        const char lower = static_cast<char>(std::tolower(u));
        return ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) && u < 128 ? lower : ' ';
    });
    std::vector<std::string> tokens = splitWhitespace(cleaned);
    if (stem)
        for (auto& t : tokens)
            if (t.size() > 3) t = porterStem(t);
    // rouge_score drops tokens the stemmer emptied.
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(), [](const std::string& t) { return t.empty(); }),
                 tokens.end());
    return tokens;
}

double rouge1Recall(std::string_view reference, std::string_view prediction)
{
    const auto ref = rougeTokenize(reference);
    const auto pred = rougeTokenize(prediction);
    if (ref.empty()) return 0.0;
    return 100.0 * static_cast<double>(overlapCount(ref, pred)) / static_cast<double>(ref.size());
}

double rouge1F(std::string_view reference, std::string_view prediction)
{
    const auto ref = rougeTokenize(reference);
    const auto pred = rougeTokenize(prediction);
    if (ref.empty() || pred.empty()) return 0.0;
    const auto overlap = static_cast<double>(overlapCount(ref, pred));
    return 100.0 * f1(overlap / static_cast<double>(pred.size()), overlap / static_cast<double>(ref.size()));
}

std::string normalizeAnswer(std::string_view text)
{
    std::string s;
    s.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 128 && std::ispunct(u)) continue; // Python's string.punctuation is ASCII ispunct
        s += static_cast<char>(u < 128 ? std::tolower(u) : u);
    }
    // After punctuation removal the article regex \b(a|an|the)\b only hits whole
    // whitespace-separated words (non-ASCII punctuation aside).
    std::vector<std::string> words = splitWhitespace(s);
    std::string out;
    for (const auto& w : words) {
        if (w == "a" || w == "an" || w == "the") continue;
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

double qaF1Score(std::string_view prediction, std::string_view groundTruth)
{
    const auto pred = splitWhitespace(normalizeAnswer(prediction));
    const auto gold = splitWhitespace(normalizeAnswer(groundTruth));
    const auto same = static_cast<double>(overlapCount(gold, pred));
    if (same == 0.0) return 0.0;
    return 100.0 * f1(same / static_cast<double>(pred.size()), same / static_cast<double>(gold.size()));
}

} // namespace headscope
