// parse -> passes -> dialect printer.
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>

#include "functions.hpp"
#include "printer.hpp"

namespace dax::adql {

namespace detail {
std::unique_ptr<printer> make_sqlite_printer();
std::unique_ptr<printer> make_postgres_printer();
std::unique_ptr<printer> make_mysql_printer();
std::unique_ptr<printer> make_qserv_printer();

std::unique_ptr<printer> make_printer(dialect d) {
    switch (d) {
    case dialect::sqlite: return make_sqlite_printer();
    case dialect::postgres: return make_postgres_printer();
    case dialect::mysql: return make_mysql_printer();
    case dialect::qserv: return make_qserv_printer();
    }
    return make_sqlite_printer();
}
}  // namespace detail

std::optional<dialect> dialect_from_name(std::string_view name) {
    std::string n = detail::to_lower(name);
    if (n == "sqlite" || n == "sqlite3") return dialect::sqlite;
    if (n == "postgres" || n == "postgresql" || n == "pgsphere" || n == "pg") return dialect::postgres;
    if (n == "mysql" || n == "mariadb") return dialect::mysql;
    if (n == "qserv") return dialect::qserv;
    return std::nullopt;
}

std::string print_sql(const query& q, dialect target) {
    thread_local std::unique_ptr<detail::printer> printers[4];
    auto& p = printers[static_cast<int>(target)];
    if (!p) p = detail::make_printer(target);
    return p->print(q);
}

result<translation> translate(std::string_view adql, const translate_options& options) {
    auto parsed = parse(adql, options.limits);
    if (!parsed) return parsed.err();
    query& q = *parsed.value();
    try {
        run_passes(q, options);
        translation t;
        t.sql = print_sql(q, options.target);
        if (options.names && options.check_names) t.columns = result_columns(q);
        if (q.body->op == set_op::none && q.body->select && q.body->select->top) t.row_limit = q.body->select->top;
        else t.row_limit = q.limit;
        return t;
    } catch (const error& e) {
        return e;
    }
}

}  // namespace dax::adql
