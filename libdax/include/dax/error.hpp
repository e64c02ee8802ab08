#pragma once
/// Errors shared by every libdax module: one base type, optionally carrying source positions.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace dax {

/// A 1-based position range in a query text (columns count Unicode code points).
struct source_span {
    std::uint32_t line = 0;        ///< first line, 1-based (0: unknown)
    std::uint32_t column = 0;      ///< first column, 1-based
    std::uint32_t begin = 0;       ///< offset of the first code point
    std::uint32_t end = 0;         ///< offset one past the last code point
    bool known() const { return line != 0; }
};

/// One message, with the place it refers to.
struct diagnostic {
    source_span span;
    std::string message;
    /// "line L, column C: message", or the bare message when the place is unknown.
    std::string to_string() const;
};

/// The one libdax error type: one or more diagnostics (e.g. every unknown name of a query).
class error : public std::runtime_error {
public:
    explicit error(std::string message);
    error(source_span span, std::string message);
    explicit error(std::vector<diagnostic> diagnostics);
    const std::vector<diagnostic>& diagnostics() const { return diagnostics_; }

private:
    std::vector<diagnostic> diagnostics_;
};

/// A value or an error: expected outcomes (bad input) are returned, not thrown.
template <class T>
class result {
public:
    result(T value) : v_(std::move(value)) {}
    result(error e) : v_(std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    const error& err() const { return std::get<1>(v_); }
    T& operator*() & { return value(); }
    T* operator->() { return &value(); }

private:
    std::variant<T, error> v_;
};

}  // namespace dax
