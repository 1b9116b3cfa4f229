// Gate values stored with every test (docs/algorithms.md decision (e)). Both mirror the Python
// reference scorers: rouge_score's tokenizer + ROUGE-1, and LongBench's qa_f1_score.
#include "headscope/core/gates.h"

#include "python_text.h"

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
    // LongBench's order: lower, drop string.punctuation (ASCII only), replace every match of
    // \b(a|an|the)\b with a space, then " ".join(split()). \b and \w have Python's Unicode
    // meaning, so "a" before a non-ASCII letter is not an article and "a" before "×" is.
    std::u32string s;
    for (char32_t c : pytext::lower(pytext::decode(text)))
        if (c >= 128 || !std::ispunct(static_cast<int>(c)))
            s.push_back(c);
    auto word = [&](std::size_t i) { return i < s.size() && pytext::isWordChar(s[i]); };
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        if (i == 0 || !word(i - 1)) {
            // The alternation tries "a", then "an", then "the"; each needs a boundary after it.
            std::size_t len = 0;
            for (std::u32string_view article : {U"a", U"an", U"the"})
                if (s.compare(i, article.size(), article) == 0 && !word(i + article.size())) {
                    len = article.size();
                    break;
                }
            if (len > 0) {
                out.push_back(U' ');
                i += len;
                continue;
            }
        }
        out.push_back(s[i++]);
    }
    std::string joined;
    for (const std::string& w : pytext::splitWhitespace(pytext::encode(out))) {
        if (!joined.empty())
            joined += ' ';
        joined += w;
    }
    return joined;
}

double qaF1Score(std::string_view prediction, std::string_view groundTruth)
{
    const auto pred = pytext::splitWhitespace(normalizeAnswer(prediction));
    const auto gold = pytext::splitWhitespace(normalizeAnswer(groundTruth));
    const auto same = static_cast<double>(overlapCount(gold, pred));
    if (same == 0.0) return 0.0;
    return 100.0 * f1(same / static_cast<double>(pred.size()), same / static_cast<double>(gold.size()));
}

} // namespace headscope
