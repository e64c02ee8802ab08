#pragma once
// What the PostgreSQL backend and the sharded-table loader share (private to dax::postgres):
// connections set up the one way, statements and COPY IN, column types and COPY text values,
// pgSphere creation and the indexes a published table gets.
#include <dax/adql/catalog.hpp>
#include <dax/votable/writer.hpp>

#include <libpq-fe.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace dax::tap::pg {

std::string quote(std::string_view id);
/// The column type of a field (pgSphere types for DALI geometry).
std::string sql_type(const votable::field& f);
/// DALI numbers -> pgSphere input in degrees.
std::string pgsphere_of_dali(std::string_view xtype, std::string_view value);
/// "POLYGON ICRS 1 2 ..." -> "1 2 ...".
std::string_view strip_stcs(std::string_view v);
/// COPY text format escaping (PostgreSQL docs, COPY, "Text Format").
void copy_escape(std::string& out, std::string_view v);
/// One value of a COPY ... FROM STDIN text row.
void append_copy_value(std::string& buf, const votable::field& f, const votable::cell& v);
/// A whole row of cells, tab separated, newline terminated.
void append_copy_row(std::string& buf, std::span<const votable::field> fields, std::span<const votable::cell> row);

struct pgresult {
    PGresult* r;
    explicit pgresult(PGresult* x) : r(x) {}
    ~pgresult() { PQclear(r); }
    pgresult(const pgresult&) = delete;
    pgresult& operator=(const pgresult&) = delete;
};

/// A connection with libdax's session settings (warnings only, standard_conforming_strings on);
/// throws dax::error naming the problem.
PGconn* connect(const std::string& conninfo);
using connection = std::unique_ptr<PGconn, void (*)(PGconn*)>;
inline connection connect_owned(const std::string& conninfo) { return {connect(conninfo), PQfinish}; }

/// Runs one statement; throws dax::error "PostgreSQL: <message>".
void exec(PGconn* c, const std::string& sql);
/// CREATE EXTENSION IF NOT EXISTS pg_sphere, with the known 15.20 incompatibility explained.
void create_pgsphere(PGconn* c);

/// COPY IN: begins `COPY table (names) FROM STDIN`, sends a buffer (and clears it), ends it.
void copy_begin(PGconn* c, const std::string& table, const std::string& names);
void copy_flush(PGconn* c, std::string& buf);
void copy_end(PGconn* c);

/// The indexes of a published table: GiST on spoint(radians(ra), radians(dec)) of its main
/// position, GiST on geometry columns, B-tree on the columns marked indexed.
void create_indexes(PGconn* c, const adql::table_info& t, std::span<const votable::field> fields, const std::string& schema,
                    const std::string& name);

}  // namespace dax::tap::pg
