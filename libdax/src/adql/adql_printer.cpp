// AST -> ADQL: the round-trip printer. Names are printed as written, functions by their
// canonical ADQL names, the deprecated coordinate-system argument where it was given.
#include "functions.hpp"
#include "printer.hpp"

#include <dax/adql/parser.hpp>

namespace dax::adql {
namespace detail {
namespace {

class adql_printer final : public printer {
    bool is_adql() const override { return true; }

    void geometry_function(const expr& e) override {
        out += builtin_name(e.fn);
        out += '(';
        if (e.coord_sys) {
            emit(*e.coord_sys);
            if (!e.args.empty()) out += ", ";
        }
        args(e);
        out += ')';
    }

    void math_function(const expr& e) override { call(builtin_name(e.fn), e); }
};

}  // namespace

std::unique_ptr<printer> make_adql_printer() { return std::make_unique<adql_printer>(); }

}  // namespace detail

std::string print_adql(const query& q) { return detail::make_adql_printer()->print(q); }

}  // namespace dax::adql
