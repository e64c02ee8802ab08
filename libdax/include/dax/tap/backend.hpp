#pragma once
/// Where published tables live: a database that can create and load a table from CSV and
/// stream the rows of one translated SELECT into a table writer.
#include <dax/adql/catalog.hpp>
#include <dax/adql/translate.hpp>
#include <dax/error.hpp>
#include <dax/votable/csv_reader.hpp>
#include <dax/votable/writer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dax::tap {

/// VOTable field of a published or result column.
votable::field to_field(const adql::column_info& c);

/// How one query runs.
struct run_limits {
    /// Rows written at most; one more row found means OVERFLOW. Negative: no limit.
    std::int64_t max_rows = -1;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    const std::atomic<bool>* cancelled = nullptr;  ///< set from elsewhere to stop the query
    /// Called with the rows written so far, every `progress_every` rows (async jobs show it).
    std::function<void(std::uint64_t)> progress;
    std::uint64_t progress_every = 100'000;
};

/// A table uploaded with a query (TAP 1.1 section 2.5.8): lives in schema TAP_UPLOAD.
struct upload_table {
    adql::table_info table;                   ///< schema "TAP_UPLOAD"
    std::vector<std::vector<std::string>> rows;  ///< values as DALI text ("" = NULL)
};

class backend {
public:
    virtual ~backend() = default;
    virtual adql::dialect dialect() const = 0;
    /// Runs `sql` (a single SELECT from the translator): begins `out` with `fields`, writes the
    /// rows and finishes it (overflow when more than max_rows rows exist). Errors before the
    /// first row are thrown (nothing written); later ones abort the document and are thrown.
    virtual std::uint64_t run(const std::string& sql, std::span<const votable::field> fields,
                              votable::table_writer& out, const run_limits& limits,
                              std::span<const upload_table> uploads = {}) = 0;
    /// Creates the table (replacing it) and loads a CSV text whose header names its columns;
    /// creates an index on each `indexed` column. Returns rows loaded; errors name the line.
    virtual result<std::uint64_t> load_csv(const adql::table_info& t, std::string_view csv,
                                           const std::function<void(std::uint64_t)>& progress = {}) = 0;
    /// True if the table exists.
    virtual bool has_table(const adql::table_info& t) = 0;
    /// Brings an existing table's auxiliary structures up to date and tells whether a
    /// translation may use them (adql::translate_options::prepared_tables). SQLite: the region
    /// indexes, built for a table loaded by an older libdax or rebuilt when another program
    /// changed its row count. PostgreSQL: whether the table is partitioned by range of its
    /// main declination (dax-admin shard). Never throws: a table whose indexes cannot be built
    /// (a read-only file, a view) has none.
    virtual bool prepare_table(const adql::table_info&) { return false; }
    /// Backend schema of TAP_UPLOAD tables during a query.
    virtual std::string upload_schema() const { return "TAP_UPLOAD"; }
};

/// Table rows written by every backend's queries in this process so far (sync and async, every
/// service and format, rows of failed queries included): the servers' /metrics.
std::uint64_t rows_written_total();

/// SQLite: one database file per schema in `directory` (`<schema>.db`, attached under the
/// schema's name), read-only connections pooled for queries, dax_* geometry functions.
std::unique_ptr<backend> open_sqlite_backend(const std::string& directory);

/// PostgreSQL with pgSphere, through libpq: geometry columns are spoint/scircle/spoly (and
/// adql:REGION columns spoly, returned as STC-S), cone searches use a GiST index on the
/// position, queries run in READ ONLY transactions with a statement timeout and stream
/// through COPY, uploads are session temporary tables. `connections` are pooled.
std::unique_ptr<backend> open_postgres_backend(const std::string& conninfo, std::size_t connections = 8);

/// MySQL/MariaDB (libmariadb): one database per schema; rows streamed with mysql_use_result;
/// read-only transactions; the statement time limit via max_statement_time (MariaDB) and a
/// KILL QUERY on cancellation; uploads are session temporary tables. No region columns (the
/// MySQL translation refuses them). `conninfo`: "host=H port=P user=U password=W db=D".
std::unique_ptr<backend> open_mysql_backend(const std::string& conninfo, std::size_t connections = 8);

}  // namespace dax::tap
