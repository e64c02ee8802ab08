#include <dax/adql/build.hpp>

#include <dax/adql/parser.hpp>

#include "functions.hpp"

#include <fmt/format.h>

#include <cmath>

namespace dax::adql::build {

namespace {

expr_ptr node(expr_kind k) { return std::make_unique<expr>(k, source_span{}); }

expr_ptr join(expr_kind k, std::vector<expr_ptr> terms) {
    expr_ptr out;
    for (auto& t : terms) {
        if (!t) continue;
        if (!out) {
            out = std::move(t);
            continue;
        }
        auto e = node(k);
        e->args.push_back(std::move(out));
        e->args.push_back(std::move(t));
        out = std::move(e);
    }
    return out;
}

}  // namespace

expr_ptr column(std::string_view name) {
    auto e = node(expr_kind::column);
    e->name.push_back({std::string(name), !is_regular_identifier(name) || is_reserved_word(name), {}});
    return e;
}

expr_ptr text(std::string value) {
    auto e = node(expr_kind::string);
    e->text = std::move(value);
    return e;
}

expr_ptr number(double value) {
    if (!std::isfinite(value)) throw error(fmt::format("{} is not a finite number", value));
    // ADQL numeric literals are unsigned: a negative value is a negated literal.
    auto e = node(expr_kind::real);
    e->text = fmt::format("{}", std::fabs(value));  // the shortest text that reads back the same
    if (e->text.find_first_of("eE") == std::string::npos) e->kind = e->text.find('.') == std::string::npos ? expr_kind::integer : expr_kind::decimal;
    if (!std::signbit(value) || value == 0) return e;
    auto n = node(expr_kind::negate);
    n->args.push_back(std::move(e));
    return n;
}

expr_ptr integer(std::int64_t value) {
    auto e = node(expr_kind::integer);
    e->text = std::to_string(value < 0 ? -static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value));
    if (value >= 0) return e;
    auto n = node(expr_kind::negate);
    n->args.push_back(std::move(e));
    return n;
}

expr_ptr compare(expr_ptr left, compare_op op, expr_ptr right) {
    auto e = node(expr_kind::compare);
    e->op = op;
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
}

expr_ptr call(function_id fn, std::vector<expr_ptr> args) {
    auto e = node(expr_kind::function);
    e->fn = fn;
    e->text = std::string(detail::builtin_name(fn));
    e->args = std::move(args);
    return e;
}

expr_ptr like(expr_ptr left, expr_ptr pattern) {
    auto e = node(expr_kind::like);
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(pattern));
    return e;
}

expr_ptr all_of(std::vector<expr_ptr> terms) { return join(expr_kind::and_, std::move(terms)); }
expr_ptr any_of(std::vector<expr_ptr> terms) { return join(expr_kind::or_, std::move(terms)); }

void where(query& q, expr_ptr condition) {
    if (!condition) return;
    if (!q.body || !q.body->select) throw error("the query is not a single SELECT");
    auto& w = q.body->select->where;
    std::vector<expr_ptr> terms;
    terms.push_back(std::move(w));
    terms.push_back(std::move(condition));
    w = all_of(std::move(terms));
}

}  // namespace dax::adql::build
