#pragma once
/// Errors shared by every libdax module: one base type, optionally carrying source positions.
#include <chrono>
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

/// What kind of failure an error is: decides the HTTP status once, for every service
/// (dax/dali/status.hpp), instead of at each call site.
enum class error_kind {
    usage,            ///< bad input from the caller (HTTP 400; the default)
    not_found,        ///< the named thing does not exist (404)
    unauthenticated,  ///< who is asking is unknown and must be (401)
    forbidden,        ///< known, but not allowed (403)
    overloaded,       ///< a limit of the service: try again later (503 + Retry-After)
    quota,            ///< a limit of this user (jobs, results): try again later (429 + Retry-After)
    unsupported,      ///< valid, but this service does not do it (400, DALI "NotSupported")
    internal,         ///< the service failed: a database, a disk (500)
};

/// The one libdax error type: one or more diagnostics (e.g. every unknown name of a query),
/// and a kind.
class error : public std::runtime_error {
public:
    explicit error(std::string message);
    error(error_kind kind, std::string message);
    error(source_span span, std::string message);
    explicit error(std::vector<diagnostic> diagnostics);
    const std::vector<diagnostic>& diagnostics() const { return diagnostics_; }
    error_kind kind() const { return kind_; }
    /// error_kind::overloaded: when trying again may succeed (0: unknown).
    std::chrono::seconds retry_after() const { return retry_after_; }
    error& with_retry_after(std::chrono::seconds s) { return retry_after_ = s, *this; }

private:
    std::vector<diagnostic> diagnostics_;
    error_kind kind_ = error_kind::usage;
    std::chrono::seconds retry_after_{0};
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
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, error> v_;
};

/// f()'s value, or the dax::error it threw, as a result: where a throwing body meets a
/// result-returning API.
template <class F>
auto capture(F&& f) -> result<decltype(f())> {
    try {
        return f();
    } catch (const error& e) {
        return e;
    }
}

}  // namespace dax
