#include <dax/error.hpp>

#include <fmt/format.h>

namespace dax {

std::string diagnostic::to_string() const {
    if (!span.known()) return message;
    return fmt::format("line {}, column {}: {}", span.line, span.column, message);
}

namespace {
std::string join(const std::vector<diagnostic>& d) {
    std::string s;
    for (const auto& x : d) {
        if (!s.empty()) s += '\n';
        s += x.to_string();
    }
    return s;
}
}  // namespace

error::error(std::string message) : error(std::vector<diagnostic>{{source_span{}, std::move(message)}}) {}

error::error(error_kind kind, std::string message) : error(std::move(message)) { kind_ = kind; }

error::error(source_span span, std::string message)
    : error(std::vector<diagnostic>{{span, std::move(message)}}) {}

error::error(std::vector<diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace dax
