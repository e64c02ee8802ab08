#include "header_scan.hpp"

#include <dax/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <unistd.h>

namespace dax::fits::detail {

namespace {

constexpr std::size_t block = 2880;
constexpr std::size_t max_header_blocks = 4096;  // 147,456 cards: far beyond any real header

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

error malformed(std::size_t hdu, std::string_view what) {
    return error(error_kind::usage, fmt::format("FITS: HDU {}: {}", hdu, what));
}

// The header's values the layout depends on.
struct layout {
    std::vector<std::pair<std::string_view, std::string_view>> kv;
    std::string_view find(std::string_view key) const {
        for (const auto& [k, v] : kv)
            if (k == key) return v;
        return {};
    }
    bool integer(std::string_view key, long long& out) const {
        const auto v = find(key);
        if (v.empty()) return false;
        const std::string s(v);
        char* end = nullptr;
        errno = 0;
        out = std::strtoll(s.c_str(), &end, 10);
        return errno == 0 && end && *end == '\0';
    }
};

// A short string value without its quotes and trailing blanks (XTENSION = 'IMAGE   ').
std::string_view unquoted(std::string_view v) {
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
    return trim(v);
}

std::uint64_t padded(std::uint64_t n) { return (n + block - 1) / block * block; }

}  // namespace

card_kv parse_card(std::string_view card) {
    card_kv r;
    if (card.size() > 80) card = card.substr(0, 80);
    std::string_view rest;
    if (card.substr(0, 9) == "HIERARCH ") {
        const auto eq = card.find('=');
        if (eq == std::string_view::npos) {
            r.key = "HIERARCH";
            return r;
        }
        r.key = trim(card.substr(9, eq - 9));
        rest = card.substr(eq + 1);
    } else {
        r.key = trim(card.substr(0, 8));
        if (card.size() < 10 || card.substr(8, 2) != "= ") return r;
        rest = card.substr(10);
    }
    r.has_value = true;
    std::size_t i = 0;
    while (i < rest.size() && rest[i] == ' ') ++i;
    if (i < rest.size() && rest[i] == '\'') {  // a string: up to its closing quote ('' is a quote)
        std::size_t j = i + 1;
        while (j < rest.size()) {
            if (rest[j] == '\'') {
                if (j + 1 < rest.size() && rest[j + 1] == '\'') {
                    j += 2;
                    continue;
                }
                break;
            }
            ++j;
        }
        r.value = rest.substr(i, std::min(j + 1, rest.size()) - i);
        if (const auto slash = rest.find('/', std::min(j + 1, rest.size())); slash != std::string_view::npos)
            r.comment = trim(rest.substr(slash + 1));
        return r;
    }
    const auto slash = rest.find('/', i);
    r.value = trim(rest.substr(i, slash == std::string_view::npos ? std::string_view::npos : slash - i));
    if (slash != std::string_view::npos) r.comment = trim(rest.substr(slash + 1));
    return r;
}

bool parse_number(std::string_view value, double& out) {
    std::string s(trim(value));
    if (s.empty()) return false;
    for (char& c : s)
        if (c == 'D' || c == 'd') c = 'E';
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end && *end == '\0';
}

std::vector<scanned_hdu> scan_hdus(int fd, std::uint64_t size) {
    std::vector<scanned_hdu> out;
    std::uint64_t at = 0;
    std::string buf;
    while (at < size) {
        scanned_hdu h;
        h.header_at = at;
        // The header: 2880-byte blocks up to the one holding END, read a few blocks at a time.
        bool ended = false;
        std::size_t blocks = 0;
        while (!ended) {
            if (at + block > size) {
                if (out.empty() && blocks == 0) throw error(error_kind::usage, "FITS: not a FITS file (shorter than one header block)");
                throw error(error_kind::usage, fmt::format("FITS: the file is truncated: the header of HDU {} is cut", out.size()));
            }
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(8 * block, (size - at) / block * block));
            buf.resize(want);
            const ssize_t got = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
            if (got < static_cast<ssize_t>(block)) throw error("FITS: reading a header failed");
            const std::size_t whole = static_cast<std::size_t>(got) / block * block;
            for (std::size_t b = 0; b < whole && !ended; b += block) {
                if (++blocks > max_header_blocks) throw malformed(out.size(), "the header has no END within 147,456 cards");
                if (out.empty() && blocks == 1 && buf.compare(b, 9, "SIMPLE  =") != 0)
                    throw error(error_kind::usage, "FITS: not a FITS file (no SIMPLE card)");
                for (std::size_t c = b; c < b + block; c += 80) {
                    const std::string_view card(buf.data() + c, 80);
                    if (card.substr(0, 8) == "END     ") {
                        ended = true;
                        break;
                    }
                    h.cards.append(card);
                }
                at += block;
            }
        }
        h.data_at = at;
        layout l;
        for (std::size_t c = 0; c < h.cards.size(); c += 80) {
            const auto kv = parse_card(std::string_view(h.cards).substr(c, 80));
            if (kv.has_value) l.kv.emplace_back(kv.key, kv.value);
        }
        const std::size_t index = out.size();
        const bool primary = index == 0;
        long long bitpix = 0, naxis = 0, pcount = 0, gcount = 1;
        if (!l.integer("BITPIX", bitpix) || (bitpix != 8 && bitpix != 16 && bitpix != 32 && bitpix != 64 && bitpix != -32 && bitpix != -64))
            throw malformed(index, "BITPIX is missing or not 8, 16, 32, 64, -32 or -64");
        if (!l.integer("NAXIS", naxis) || naxis < 0 || naxis > 999) throw malformed(index, "NAXIS is missing or not 0..999");
        std::vector<long> dims(static_cast<std::size_t>(naxis));
        for (long long a = 0; a < naxis; ++a) {
            long long n = 0;
            if (!l.integer(fmt::format("NAXIS{}", a + 1), n) || n < 0) throw malformed(index, fmt::format("NAXIS{} is missing or negative", a + 1));
            dims[static_cast<std::size_t>(a)] = static_cast<long>(n);
        }
        std::string_view xtension;
        if (!primary) {
            xtension = unquoted(l.find("XTENSION"));
            if ((l.find("PCOUNT").size() && !l.integer("PCOUNT", pcount)) || (l.find("GCOUNT").size() && !l.integer("GCOUNT", gcount)) ||
                pcount < 0 || gcount < 0)
                throw malformed(index, "PCOUNT or GCOUNT is not a count");
        }
        const bool groups = primary && naxis > 0 && dims[0] == 0 && l.find("GROUPS") == "T";
        if (groups) l.integer("PCOUNT", pcount), l.integer("GCOUNT", gcount);
        // Data bytes: |BITPIX|/8 x GCOUNT x (PCOUNT + NAXIS1 x ... x NAXISn) (section 4.4.1), overflow checked.
        std::uint64_t n = naxis > 0 ? 1 : 0;
        for (std::size_t a = groups ? 1 : 0; a < dims.size(); ++a)
            if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(dims[a]), &n)) throw malformed(index, "its NAXISn overflow 64 bits");
        if (__builtin_add_overflow(n, static_cast<std::uint64_t>(pcount), &n) ||
            __builtin_mul_overflow(n, static_cast<std::uint64_t>(gcount) * static_cast<std::uint64_t>(std::llabs(bitpix) / 8), &n))
            throw malformed(index, "its data size overflows 64 bits");
        h.data_bytes = n;
        if (!groups && (primary || xtension == "IMAGE") && naxis > 0) {
            h.image = true;
            h.bitpix = static_cast<int>(bitpix);
            h.shape = dims;
        } else if (xtension == "BINTABLE" && l.find("ZIMAGE") == "T") {
            long long zbitpix = 0, znaxis = 0;
            if (!l.integer("ZBITPIX", zbitpix) || !l.integer("ZNAXIS", znaxis) || znaxis < 1 || znaxis > 999)
                throw malformed(index, "a compressed image without ZBITPIX or ZNAXIS");
            h.compressed = h.image = true;
            h.bitpix = static_cast<int>(zbitpix);
            for (long long a = 0; a < znaxis; ++a) {
                long long z = 0;
                if (!l.integer(fmt::format("ZNAXIS{}", a + 1), z) || z < 0) throw malformed(index, fmt::format("ZNAXIS{} is missing", a + 1));
                h.shape.push_back(static_cast<long>(z));
            }
        }
        if (h.data_at + h.data_bytes > size)
            throw error(error_kind::usage, fmt::format("the file is truncated: HDU {} ends at byte {}, the file has {}", index,
                                                       h.data_at + h.data_bytes, size));
        at = h.data_at + padded(h.data_bytes);
        out.push_back(std::move(h));
        // What follows the last HDU: another extension, or bytes that are not one (ignored).
        char head[9] = {};
        if (at + block > size || ::pread(fd, head, 9, static_cast<off_t>(at)) != 9 || std::string_view(head, 9) != "XTENSION=") break;
    }
    return out;
}

}  // namespace dax::fits::detail
