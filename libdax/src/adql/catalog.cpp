#include <dax/adql/catalog.hpp>

#include "functions.hpp"

#include <dax/error.hpp>

#include <cctype>
#include <fmt/format.h>

namespace dax::adql {

const table_info& memory_catalog::add_table(table_info t) {
    const std::string table = t.schema.empty() ? t.name : t.schema + "." + t.name;
    for (auto& c : t.columns)
        if (c.source.empty()) c.source = table + "." + c.name;
    tables_.push_back(std::make_unique<table_info>(std::move(t)));
    const table_info* p = tables_.back().get();
    by_name_.emplace(detail::to_lower(p->name), p);
    return *p;
}

void memory_catalog::add_function(function_info f) {
    std::string key = detail::to_lower(f.name);
    functions_[key] = std::move(f);
}

std::vector<const table_info*> memory_catalog::tables_named(std::string_view folded) const {
    std::vector<const table_info*> out;
    auto [a, b] = by_name_.equal_range(folded);
    for (auto it = a; it != b; ++it) out.push_back(it->second);
    return out;
}

const function_info* memory_catalog::function_named(std::string_view folded) const {
    auto it = functions_.find(folded);
    return it == functions_.end() ? nullptr : &it->second;
}

function_info parse_function_signature(std::string_view sig) {
    // name(arg TYPE, ...) -> TYPE
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return s;
    };
    function_info f;
    auto open = sig.find('(');
    auto close = sig.rfind(')');
    auto arrow = sig.find("->", close == std::string_view::npos ? 0 : close);
    if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
        arrow == std::string_view::npos)
        throw error(fmt::format("bad function signature '{}': expected name(arg TYPE, ...) -> TYPE", sig));
    f.name = std::string(trim(sig.substr(0, open)));
    if (f.name.empty() || !std::isalpha(static_cast<unsigned char>(f.name[0])))
        throw error(fmt::format("bad function name in signature '{}'", sig));
    for (char c : f.name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            throw error(fmt::format("bad function name in signature '{}'", sig));
    std::string_view args = sig.substr(open + 1, close - open - 1);
    while (!trim(args).empty()) {
        auto comma = args.find(',');
        std::string_view a = trim(args.substr(0, comma));
        auto space = a.rfind(' ');
        f.arg_types.push_back(detail::to_upper(space == std::string_view::npos ? a : trim(a.substr(space + 1))));
        if (comma == std::string_view::npos) break;
        args.remove_prefix(comma + 1);
    }
    f.return_type = detail::to_upper(trim(sig.substr(arrow + 2)));
    if (f.return_type.empty()) throw error(fmt::format("missing return type in signature '{}'", sig));
    return f;
}

}  // namespace dax::adql
