#include "postgres_util.hpp"

#include "values.hpp"

#include <dax/dali/shapes.hpp>
#include <dax/error.hpp>

#include <fmt/format.h>

#include <cctype>

namespace dax::tap::pg {

std::string quote(std::string_view id) { return sql_quoted(id, '"'); }

std::string sql_type(const votable::field& f) {
    if (f.xtype == "adql:REGION" || f.xtype == "polygon") return "spoly";
    if (f.xtype == "point") return "spoint";
    if (f.xtype == "circle") return "scircle";
    return sql_type_of(f, {"boolean", "smallint", "integer", "bigint", "real", "double precision", "text"});
}

std::string pgsphere_of_dali(std::string_view xtype, std::string_view value) {
    std::vector<double> n;
    dali::scan_numbers(value, n);
    if (xtype == "point" && n.size() == 2) return fmt::format("({}d,{}d)", n[0], n[1]);
    if (xtype == "circle" && n.size() == 3) return fmt::format("<({}d,{}d),{}d>", n[0], n[1], n[2]);
    if (n.size() < 6 || n.size() % 2) throw error(fmt::format("not a DALI polygon: '{}'", value.substr(0, 60)));
    std::string s = "{";
    for (std::size_t i = 0; i < n.size(); i += 2) s += fmt::format("{}({}d,{}d)", i ? "," : "", n[i], n[i + 1]);
    return s + "}";
}

std::string_view strip_stcs(std::string_view v) {
    while (!v.empty() && (std::isalpha(static_cast<unsigned char>(v.front())) || v.front() == ' ')) v.remove_prefix(1);
    return v;
}

void copy_escape(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
        }
    }
}

void append_copy_value(std::string& buf, const votable::field& f, const votable::cell& v) {
    if (v.null) {
        buf += "\\N";
        return;
    }
    switch (kind_of(f)) {
    case value_kind::integer: buf += std::to_string(v.i); break;
    case value_kind::real: fmt::format_to(std::back_inserter(buf), "{}", v.d); break;
    case value_kind::region: buf += pgsphere_of_dali("polygon", strip_stcs(v.s)); break;
    case value_kind::shape: case value_kind::real_array:
        buf += pgsphere_of_dali(f.xtype, v.data ? array_text(f, v) : std::string(v.s));
        break;
    default: copy_escape(buf, v.s);
    }
}

void append_copy_row(std::string& buf, std::span<const votable::field> fields, std::span<const votable::cell> row) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) buf += '\t';
        append_copy_value(buf, fields[i], row[i]);
    }
    buf += '\n';
}

PGconn* connect(const std::string& conninfo) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
        std::string m = PQerrorMessage(c);
        PQfinish(c);
        throw error(fmt::format("PostgreSQL: cannot connect: {}", m));
    }
    try {
        exec(c, "SET client_min_messages = warning");
        // The translator writes SQL-standard literals ('' doubles a quote, a backslash is just a
        // backslash): a server or database configured otherwise must not change their meaning.
        exec(c, "SET standard_conforming_strings = on");
    } catch (...) {
        PQfinish(c);
        throw;
    }
    return c;
}

void exec(PGconn* c, const std::string& sql) {
    pgresult r(PQexec(c, sql.c_str()));
    const auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw error(fmt::format("PostgreSQL: {}", PQresultErrorMessage(r.r)));
}

// pgSphere 1.1.1 cannot be created on PostgreSQL 15.20 (Debian's security update): say so,
// and how to fix it, instead of PostgreSQL's "commutator operator ... " message alone.
void create_pgsphere(PGconn* c) {
    try {
        exec(c, "CREATE EXTENSION IF NOT EXISTS pg_sphere");
    } catch (const error& e) {
        const std::string m = e.what();
        if (m.find("commutator") == std::string::npos) throw;
        const char* v = PQparameterStatus(c, "server_version");
        throw error(fmt::format("{} -- pgSphere cannot be created on this PostgreSQL ({}): pgSphere 1.1.1 works on "
                                "15.18, not 15.20. Install postgresql-15=15.18-0+deb12u1 (scripts/deps.sh test holds it "
                                "with an apt preference)",
                                m, v ? v : "?"));
    }
}

void copy_begin(PGconn* c, const std::string& table, const std::string& names) {
    pgresult r(PQexec(c, fmt::format("COPY {} ({}) FROM STDIN", table, names).c_str()));
    if (PQresultStatus(r.r) != PGRES_COPY_IN) throw error(fmt::format("PostgreSQL: {}", PQerrorMessage(c)));
}

void copy_flush(PGconn* c, std::string& buf) {
    if (!buf.empty() && PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1) throw error(PQerrorMessage(c));
    buf.clear();
}

void copy_end(PGconn* c) {
    if (PQputCopyEnd(c, nullptr) != 1) throw error(PQerrorMessage(c));
    pgresult done(PQgetResult(c));
    if (PQresultStatus(done.r) != PGRES_COMMAND_OK) throw error(fmt::format("PostgreSQL: {}", PQresultErrorMessage(done.r)));
    while (PGresult* x = PQgetResult(c)) PQclear(x);
}

void create_indexes(PGconn* c, const adql::table_info& t, std::span<const votable::field> fields, const std::string& schema,
                    const std::string& name) {
    auto db = [](const adql::column_info& col) { return quote(db_column(col)); };
    // The translator's cone test is spoint(radians(ra), radians(dec)) <@ shape: index that.
    if (const auto pos = find_position(t); pos.ra)
        exec(c, fmt::format("CREATE INDEX ON {}.{} USING gist (spoint(radians({}), radians({})))", quote(schema), quote(name),
                            db(*pos.ra), db(*pos.dec)));
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& col = t.columns[i];
        const std::string type = sql_type(fields[i]);
        if (type == "spoly" || type == "spoint" || type == "scircle")
            exec(c, fmt::format("CREATE INDEX ON {}.{} USING gist ({})", quote(schema), quote(name), db(col)));
        else if (col.indexed)
            exec(c, fmt::format("CREATE INDEX ON {}.{} ({})", quote(schema), quote(name), db(col)));
    }
}

}  // namespace dax::tap::pg
