#pragma once
// How values and names cross between the databases and the table writers: shared by the
// SQLite, PostgreSQL and MySQL backends.
#include <dax/adql/catalog.hpp>
#include <dax/tap/backend.hpp>
#include <dax/error.hpp>
#include <dax/votable/csv_reader.hpp>
#include <dax/votable/field.hpp>

#include <fmt/format.h>

#include <functional>
#include <type_traits>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dax::tap {

/// Backend names of a table and a column (the ADQL name when no db_* name is set).
inline const std::string& db_schema(const adql::table_info& t) { return t.db_schema.empty() ? t.schema : t.db_schema; }
inline const std::string& db_table(const adql::table_info& t) { return t.db_name.empty() ? t.name : t.db_name; }
inline const std::string& db_column(const adql::column_info& c) { return c.db_name.empty() ? c.name : c.db_name; }

/// `v` between two `q`s, each `q` inside doubled: SQL's quoting of identifiers and literals.
inline std::string sql_quoted(std::string_view v, char q) {
    std::string s(1, q);
    for (char ch : v) {
        s += ch;
        if (ch == q) s += q;
    }
    return s + q;
}

/// The main position columns (UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main), which get a
/// spatial index; both null when the table has no such pair.
struct position_columns {
    const adql::column_info* ra = nullptr;
    const adql::column_info* dec = nullptr;
};
position_columns find_position(const adql::table_info& t);

/// The writing side every backend shares: the document begins with the first row (so a query
/// failing before any row throws with nothing written), rows beyond max_rows are not written
/// but mark OVERFLOW (the SQL asks for at most MAXREC+1), progress is reported, and a failure
/// after the start closes the document with the error.
void add_rows_written(std::uint64_t n);  // to rows_written_total()

class result_stream {
public:
    result_stream(votable::table_writer& out, std::span<const votable::field> fields, const run_limits& limits)
        : out_(out), fields_(fields), limits_(limits) {}
    ~result_stream() { add_rows_written(rows_); }
    result_stream(const result_stream&) = delete;
    result_stream& operator=(const result_stream&) = delete;
    /// Whether the next row is to be written; false (and OVERFLOW) once max_rows were.
    bool accept() {
        if (limits_.max_rows >= 0 && rows_ >= static_cast<std::uint64_t>(limits_.max_rows)) return !(overflow_ = true);
        begin();
        return true;
    }
    void write(std::span<const votable::cell> cells) {
        out_.row(cells);
        ++rows_;
        if (limits_.progress && limits_.progress_every && rows_ % limits_.progress_every == 0) limits_.progress(rows_);
    }
    /// After an error: closes a begun document with the message (nothing if none was begun).
    void fail(std::string_view message) {
        if (begun_) out_.abort(message);
    }
    std::uint64_t finish() {
        begin();
        out_.finish(overflow_);
        return rows_;
    }

private:
    void begin() {
        if (!begun_) out_.begin(fields_);
        begun_ = true;
    }
    votable::table_writer& out_;
    std::span<const votable::field> fields_;
    const run_limits& limits_;
    std::uint64_t rows_ = 0;
    bool begun_ = false, overflow_ = false;
};

/// How a column's values are stored in SQL, the same for every backend: scalars as numbers,
/// DALI point/circle/polygon as the backend's shape (or DALI text), ADQL regions as STC-S,
/// numeric arrays as DALI text.
enum class value_kind { integer, real, text, real_array, other_array, region, shape };
value_kind kind_of(const votable::field& f);

/// A dialect's names of the SQL types a scalar datatype maps to.
struct sql_type_names {
    const char *boolean, *smallint, *integer, *bigint, *real, *double_, *text;
};
/// The SQL type of a column: the dialect's name for a numeric scalar, its text type otherwise.
const char* sql_type_of(const votable::field& f, const sql_type_names& names);

/// The fields of a published table's columns.
std::vector<votable::field> table_fields(const adql::table_info& t);

/// DALI text ("v1 v2 ...") of a numeric array cell of `f`'s datatype.
std::string array_text(const votable::field& f, const votable::cell& c);

/// What a loader's CREATE TABLE and INSERT/COPY name: "col TYPE, ..." and "col, ...".
struct column_lists {
    std::string definitions, names;
};
template <class Quote, class SqlType>
column_lists column_lists_of(const adql::table_info& t, std::span<const votable::field> fields, Quote quote, SqlType sql_type) {
    column_lists l;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const std::string n = quote(db_column(t.columns[i]));
        l.definitions += (i ? ", " : "") + n + " " + sql_type(fields[i]);
        l.names += (i ? ", " : "") + n;
    }
    return l;
}

/// The frame of every backend's load_csv: the table's fields, a CSV reader over `csv` (a bad
/// header is answered at once) and `body(fields, reader)`, any exception it throws an error.
template <class Body>
auto load_table(const adql::table_info& t, std::string_view csv, Body body)
    -> result<std::invoke_result_t<Body, std::span<const votable::field>, votable::csv_reader&>> {
    const auto fields = table_fields(t);
    auto reader = votable::open_csv_reader(csv, fields);
    if (!reader) return reader.err();
    try {
        return body(std::span<const votable::field>(fields), **reader);
    } catch (const error& e) {
        return e;
    } catch (const std::exception& e) {
        return error(e.what());
    }
}

/// The loop of every backend's load_csv: each record's cells go to `row`, progress is told every
/// 100,000 rows, and any error (bad data or the database refusing a row) names the record's line.
template <class Row>
std::uint64_t load_records(votable::csv_reader& reader, const std::function<void(std::uint64_t)>& progress, Row row) {
    std::uint64_t rows = 0;
    try {
        while (reader.next()) {
            row(reader.row());
            if (++rows % 100000 == 0 && progress) progress(rows);
        }
    } catch (const std::exception& e) {
        throw error(fmt::format("line {}: {}", reader.line(), e.what()));
    }
    return rows;
}

}  // namespace dax::tap
