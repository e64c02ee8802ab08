#include "base64.hpp"

#include <algorithm>

namespace dax::votable::detail {

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t line_chars = 76 * 54;  // a multiple of 4

struct decode_table {
    signed char v[256];
    constexpr decode_table() : v() {
        for (int i = 0; i < 256; ++i) v[i] = -1;
        for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    }
};
constexpr decode_table table;
}  // namespace

void base64_encoder::emit_groups(const unsigned char* p, std::size_t groups) {
    while (groups) {
        std::size_t g = std::min(groups, (line_chars - line_) / 4);
        char* o = out_.reserve(g * 4);
        for (std::size_t i = 0; i < g; ++i, p += 3, o += 4) {
            const std::uint32_t v = (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
            o[0] = alphabet[v >> 18];
            o[1] = alphabet[(v >> 12) & 63];
            o[2] = alphabet[(v >> 6) & 63];
            o[3] = alphabet[v & 63];
        }
        out_.commit(g * 4);
        groups -= g;
        line_ += g * 4;
        if (line_ == line_chars) {
            out_.put('\n');
            line_ = 0;
        }
    }
}

void base64_encoder::write(const unsigned char* p, std::size_t n) {
    if (carried_) {
        while (carried_ < 3 && n) {
            carry_[carried_++] = *p++;
            --n;
        }
        if (carried_ < 3) return;
        emit_groups(carry_, 1);
        carried_ = 0;
    }
    const std::size_t groups = n / 3;
    emit_groups(p, groups);
    p += groups * 3;
    n -= groups * 3;
    for (std::size_t i = 0; i < n; ++i) carry_[carried_++] = p[i];
}

void base64_encoder::finish() {
    if (!carried_) return;
    unsigned char b[3] = {carry_[0], carried_ > 1 ? carry_[1] : static_cast<unsigned char>(0), 0};
    const std::uint32_t v = (std::uint32_t(b[0]) << 16) | (std::uint32_t(b[1]) << 8);
    char o[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], carried_ > 1 ? alphabet[(v >> 6) & 63] : '=', '='};
    out_.put(std::string_view(o, 4));
    carried_ = 0;
}

bool base64_decoder::feed(std::string_view text, std::string& out, std::string& error) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    // Fast path: whole groups of 4 alphabet characters at a group boundary, written through a
    // pointer into room made once (appending 3 bytes at a time cost a third of the decoding).
    const std::size_t start = out.size();
    out.resize(start + text.size() / 4 * 3 + 3);
    char* o = out.data() + start;
    while (quad_ == 0 && padding_ == 0 && bits_ == 0 && end - p >= 4) {
        const int a = table.v[p[0]], b = table.v[p[1]], c = table.v[p[2]], d = table.v[p[3]];
        if ((a | b | c | d) < 0) {
            // Whitespace or padding or garbage: leave it to the careful loop below.
            if (p[0] == '\n' || p[0] == '\r' || p[0] == ' ' || p[0] == '\t') {
                ++p;
                continue;
            }
            break;
        }
        const std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) | (std::uint32_t(c) << 6) | std::uint32_t(d);
        o[0] = static_cast<char>(v >> 16);
        o[1] = static_cast<char>((v >> 8) & 0xFF);
        o[2] = static_cast<char>(v & 0xFF);
        o += 3;
        p += 4;
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    for (; p < end; ++p) {
        const unsigned char c = *p;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            if (quad_ < 2) {
                error = "malformed base64: misplaced '='";
                return false;
            }
            ++padding_;
            ++quad_;
            if (quad_ == 4) quad_ = 0;
            continue;
        }
        const int v = table.v[c];
        if (v < 0) {
            error = "malformed base64: invalid character";
            return false;
        }
        if (padding_) {
            error = "malformed base64: data after padding";
            return false;
        }
        acc_ = (acc_ << 6) | static_cast<std::uint32_t>(v);
        bits_ += 6;
        if (bits_ >= 8) {
            bits_ -= 8;
            out.push_back(static_cast<char>((acc_ >> bits_) & 0xFF));
        }
        quad_ = (quad_ + 1) % 4;
    }
    return true;
}

bool base64_decoder::finish(std::string& error) const {
    if (quad_ != 0) {
        error = "malformed base64: truncated data";
        return false;
    }
    return true;
}

}  // namespace dax::votable::detail
