#include "byte_level.h"

namespace headscope::tok {

void appendUtf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

std::size_t utf8Length(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xe)
        return 3;
    if ((lead >> 3) == 0x1e)
        return 4;
    return 1;
}

uint32_t nextCodepoint(std::string_view text, std::size_t& i)
{
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t len = utf8Length(lead);
    if (len == 1 || i + len > text.size()) {
        ++i;
        return lead < 0x80 ? lead : 0xfffd;
    }
    uint32_t cp = lead & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    i += len;
    return cp;
}

ByteLevelTable::ByteLevelTable()
{
    // Printable Latin-1 bytes map to themselves; the rest are shifted to 256+ in byte order.
    uint32_t shifted = 0;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        const uint32_t cp = printable ? b : 256 + shifted++;
        std::string s;
        appendUtf8(s, cp);
        m_byteToUtf8[b] = s;
        m_codepointToByte[cp] = static_cast<uint8_t>(b);
    }
}

const ByteLevelTable& ByteLevelTable::instance()
{
    static const ByteLevelTable table;
    return table;
}

std::string ByteLevelTable::encode(std::string_view bytes) const
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes)
        out += m_byteToUtf8[static_cast<unsigned char>(c)];
    return out;
}

std::string ByteLevelTable::decode(std::string_view mapped) const
{
    std::string out;
    std::size_t i = 0;
    while (i < mapped.size()) {
        const std::size_t start = i;
        const uint32_t cp = nextCodepoint(mapped, i);
        auto it = m_codepointToByte.find(cp);
        if (it != m_codepointToByte.end())
            out.push_back(static_cast<char>(it->second));
        else
            out.append(mapped.substr(start, i - start));
    }
    return out;
}

std::optional<std::string> ByteLevelTable::decodeStrict(std::string_view mapped) const
{
    std::string out;
    out.reserve(mapped.size());
    for (std::size_t i = 0; i < mapped.size();) {
        auto it = m_codepointToByte.find(nextCodepoint(mapped, i));
        if (it == m_codepointToByte.end())
            return std::nullopt;
        out.push_back(static_cast<char>(it->second));
    }
    return out;
}

} // namespace headscope::tok
