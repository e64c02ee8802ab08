#pragma once
/// The TAP 1.1 service without HTTP: the published catalog and its backends, parameter
/// checking (LANG, QUERY, MAXREC, RESPONSEFORMAT/FORMAT, UPLOAD, REQUEST), the query path
/// (parse -> resolve -> one backend -> translate -> stream), and the VOSI/TAPRegExt documents.
/// Servers wire it to HTTP; pipelines can call it directly.
#include <dax/adql/catalog.hpp>
#include <dax/adql/parser.hpp>
#include <dax/dali/params.hpp>
#include <dax/error.hpp>
#include <dax/tap/backend.hpp>
#include <dax/votable/writer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dax::tap {

struct limits {
    /// Size (max_query_bytes), nesting (max_query_depth) and parser work of ADQL queries.
    adql::parse_limits query;
    std::int64_t default_maxrec = 100'000;
    std::int64_t hard_maxrec = 50'000'000;
    std::chrono::seconds sync_timeout{600};       ///< execution limit of a sync query
    std::int64_t async_execution_duration = 3600; ///< default for async jobs (seconds)
    std::int64_t max_execution_duration = 86400;
    std::chrono::seconds result_retention{7 * 86400};
    std::size_t max_upload_bytes = 16 << 20;      ///< per request, all uploads together
    std::size_t max_upload_rows = 1'000'000;
    std::size_t max_uploads = 8;
    /// UPLOAD by http:// URL (mandatory in TAP 1.1). The server fetches what users name:
    /// turn it off where it can reach internal services (server-side request forgery).
    bool upload_urls = true;
    /// Private, loopback and link-local destinations are refused unless listed here (host
    /// names, addresses or CIDR blocks).
    std::vector<std::string> upload_url_allow;
    std::chrono::seconds upload_url_timeout{30};  ///< connect + request + whole answer
    std::size_t upload_url_fetches = 4;           ///< URL uploads being fetched at once
    std::size_t queries_in_flight = 32;           ///< sync queries running at once
    std::size_t async_workers = 4;
};

/// Output formats (TAP 1.1 section 2.7.1, TAPRegExt output formats): votable (BINARY2),
/// votable/td, votable/b, csv, tsv, fits.
using output_format = dali::output_format;
const std::vector<output_format>& output_formats();
/// The format named by a RESPONSEFORMAT/FORMAT value (case-insensitive, MIME parameters
/// allowed in any order); nullptr if unknown.
const output_format* find_output_format(std::string_view value);
/// The writer of one of output_formats() (by its name) on `out`; a FITS table is built in a
/// temporary file and written to `out` when finished. `info` goes into VOTable output.
std::unique_ptr<votable::table_writer> make_table_writer(const output_format& f, sink& out, const votable::result_info& info = {});

/// Request parameters (DALI 1.1 section 3.1), as dax/dali/params.hpp defines them.
using parameters = dali::parameters;
inline std::optional<std::string> parameter(const parameters& p, std::string_view name) { return dali::value(p, name); }

/// A query to run: what the TAP parameters say, or what another service (SIA, cone search,
/// DataLink) asks for directly.
struct query_request {
    std::string adql;
    const output_format* format = nullptr;  ///< nullptr: votable (BINARY2)
    std::int64_t maxrec = -1;               ///< negative: the service's default_maxrec; at most hard_maxrec
    std::vector<upload_table> uploads;
    /// VOTable RESOURCEs after the results (service descriptors, SIA's self-description).
    std::vector<std::string> trailing_resources;
};

/// A checked query, translated for the one backend that runs it.
struct prepared_query : query_request {
    std::string sql;
    std::vector<votable::field> fields;
    std::vector<std::string> sources;  ///< per field: the published column it is ("schema.table.column"), or ""
    backend* target = nullptr;
};

/// A published schema: its Felis file (or text) and the backend holding its tables.
struct schema_source {
    std::string felis_text;
    std::string backend = "sqlite";
};

struct service_config {
    std::string data_dir = "./dax-data";
    limits lim;
    std::vector<schema_source> schemas;
    /// Backends by name; "sqlite" (data_dir/sqlite) is always present.
    std::map<std::string, std::shared_ptr<backend>> backends;
    /// Applied to every prepared query (sync, async, SIA, cone search): e.g. DataLink service
    /// descriptors for the result's columns (dax/image/links.hpp result_descriptors). Null: none.
    std::function<void(prepared_query&)> decorate;
};

class service {
public:
    /// Loads the schemas, adds TAP_SCHEMA and (re)builds its content on the "sqlite" backend.
    static result<std::unique_ptr<service>> open(service_config config);

    /// Returns the content of an UPLOAD URI ("param:NAME" for a multipart part, or http(s)).
    using upload_fetcher = std::function<result<std::string>(std::string_view uri)>;
    /// The TAP parameter layer (LANG, QUERY, REQUEST, RESPONSEFORMAT/FORMAT, MAXREC, UPLOAD)
    /// over prepare_query(). Errors carry their kind (dax/error.hpp).
    result<prepared_query> prepare(const parameters& p, const upload_fetcher& fetch) const;
    /// The query runner: parses the ADQL, finds the one backend holding its tables, translates.
    result<prepared_query> prepare_query(query_request request) const;
    /// Runs a prepared query into `out` in its format (FITS is spooled through a temp file).
    /// Returns rows written; throws dax::error on execution failure (document closed validly).
    std::uint64_t run(const prepared_query& q, votable::sink& out, const run_limits& lim) const;
    /// Runs a prepared query as a FITS file at `path` (replaced): what run() spools for "fits".
    std::uint64_t run_fits(const prepared_query& q, const std::string& path, const run_limits& lim) const;

    const adql::memory_catalog& catalog() const { return catalog_; }
    const limits& lim() const { return config_.lim; }
    const service_config& config() const { return config_; }

    /// Loads a CSV into a published table on its backend (dax-admin load; the demo data).
    result<std::uint64_t> load_csv(const std::string& qualified_table, std::string_view csv,
                                   const std::function<void(std::uint64_t)>& progress = {});
    /// True when the table exists in its backend.
    bool has_data(const std::string& qualified_table) const;

    /// VOSI 1.1 tableset (all tables; `min` leaves columns out) or one table ("" if unknown).
    std::string tables_xml(bool min) const;
    std::string table_xml(std::string_view qualified_name) const;
    /// VOSI capabilities with the TAPRegExt TableAccess capability; `base` is the service URL.
    std::string capabilities_xml(const std::string& base) const;
    std::string availability_xml() const;
    /// DALI examples (RDFa XHTML): those of examples() that translate on this configuration.
    std::string examples_html(const std::string& base) const;
    /// The example queries (name, ADQL).
    static const std::vector<std::pair<std::string, std::string>>& examples();

private:
    explicit service(service_config c) : config_(std::move(c)) {}
    const adql::table_info* table(std::string_view qualified) const;
    result<std::vector<upload_table>> read_uploads(const std::string& spec, const upload_fetcher& fetch) const;
    backend* backend_of(const adql::table_info& t) const;

    service_config config_;
    adql::memory_catalog catalog_;
    std::map<const adql::table_info*, std::string> table_backend_;
    std::map<std::string, std::string> schema_descriptions_;
    /// Tables whose backend structures a translation may use (backend::prepare_table): SQLite
    /// region indexes, PostgreSQL declination partitions.
    mutable std::mutex indexed_mutex_;
    std::set<const adql::table_info*> prepared_;
    void note_prepared(const adql::table_info& t);
};

/// Felis texts of the demo schemas (demo.stars and ivoa.ObsCore), built into the library.
std::vector<std::string> demo_schemas();

}  // namespace dax::tap
