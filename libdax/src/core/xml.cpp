#include <dax/utf8.hpp>
#include <dax/xml.hpp>

namespace dax {

std::string xml_escape(std::string_view text) {
    // Bytes that are not UTF-8 (text stored before it was checked) become U+FFFD: a document
    // must stay well-formed whatever its content.
    if (auto bad = invalid_utf8_offset(text); bad != std::string_view::npos) {
        std::string clean(text.substr(0, bad));
        for (std::string_view rest = text.substr(bad);;) {
            clean += "\xEF\xBF\xBD";
            rest.remove_prefix(1);
            const auto next = invalid_utf8_offset(rest);
            clean += rest.substr(0, next);
            if (next == std::string_view::npos) break;
            rest.remove_prefix(next);
        }
        return xml_escape(clean);
    }
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\n': out += "&#10;"; break;
        case '\r': out += "&#13;"; break;
        case '\t': out += "&#9;"; break;
        default:
            // Other control characters cannot appear in XML 1.0.
            out += c < 0x20 ? '?' : ch;
        }
        // Nor can U+FFFE and U+FFFF (EF BF BE / EF BF BF): they become U+FFFD.
        if (c == 0xBE || c == 0xBF) {
            const std::size_t n = out.size();
            if (n >= 3 && static_cast<unsigned char>(out[n - 3]) == 0xEF && static_cast<unsigned char>(out[n - 2]) == 0xBF)
                out[n - 1] = static_cast<char>(0xBD);
        }
    }
    return out;
}

}  // namespace dax
