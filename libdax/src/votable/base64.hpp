#pragma once
// Base64 (RFC 4648) for VOTable BINARY/BINARY2 STREAMs: a streaming encoder and a decoder that
// refuses malformed input.
#include "output_buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace dax::votable::detail {

/// Encodes bytes as they come; whole 3-byte groups go out at once, a line break every 76*54 chars.
class base64_encoder {
public:
    explicit base64_encoder(output_buffer& out) : out_(out) {}
    void write(const unsigned char* p, std::size_t n);
    /// Writes the pending 1 or 2 bytes with padding.
    void finish();

private:
    void emit_groups(const unsigned char* p, std::size_t groups);
    output_buffer& out_;
    unsigned char carry_[3];
    std::size_t carried_ = 0;
    std::size_t line_ = 0;
};

/// Incremental decoder: whitespace is skipped; anything else outside the alphabet, or data
/// after padding, is an error (returned as false with `error` set).
class base64_decoder {
public:
    bool feed(std::string_view text, std::string& out, std::string& error);
    bool finish(std::string& error) const;

private:
    std::uint32_t acc_ = 0;
    int bits_ = 0;
    int quad_ = 0;
    int padding_ = 0;
};

}  // namespace dax::votable::detail
