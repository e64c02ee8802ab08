#pragma once
/// Streaming table writers: VOTable (TABLEDATA, BINARY, BINARY2), CSV and TSV. Rows are written
/// as they are pushed; memory does not grow with the table.
#include <dax/sink.hpp>
#include <dax/votable/field.hpp>
#include <dax/xml.hpp>

#include <cstdio>
#include <memory>
#include <ostream>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::votable {

// Sinks (dax/sink.hpp) and xml_escape (dax/xml.hpp) are core; their old names stay.
using dax::fd_sink;
using dax::ostream_sink;
using dax::sink;
using dax::string_sink;
using dax::xml_escape;

enum class serialization { tabledata, binary, binary2 };

/// What a result document says besides the rows (DALI 1.1 section 4.4, TAP 1.1 section 2.9).
struct result_info {
    std::string query;          ///< INFO name="QUERY" (the ADQL text), if not empty
    std::string request_date;   ///< INFO name="REQUEST_DATE"; empty means now (UTC, ISO 8601)
    std::string service;        ///< INFO name="SERVICE" (e.g. the service's base URL)
    std::vector<std::pair<std::string, std::string>> infos;  ///< further INFO name/value pairs
    std::string table_name;     ///< TABLE name, if not empty
    /// Further RESOURCE elements written after the results resource, as XML (e.g. the
    /// `type="meta" utype="adhoc:service"` descriptors of DataLink; see service_descriptor()).
    std::vector<std::string> trailing_resources;
};

/// A table writer for one document. Call begin, row for each row, then finish; or abort
/// after begin when something fails, which still closes the document validly.
class table_writer {
public:
    virtual ~table_writer() = default;
    virtual void begin(std::span<const field> fields) = 0;
    /// One row: exactly one cell per field.
    virtual void row(std::span<const cell> cells) = 0;
    /// Ends the document; `overflow` marks a result truncated at MAXREC.
    virtual void finish(bool overflow = false) = 0;
    /// Ends the document after an error: VOTable gets an INFO QUERY_STATUS=ERROR after the data
    /// (DALI 1.1 section 4.4.3); text formats get no marker (none exists).
    virtual void abort(std::string_view message) = 0;
    /// Rows written so far.
    virtual std::uint64_t rows() const = 0;
};

std::unique_ptr<table_writer> make_votable_writer(sink& out, serialization s, result_info info = {});
/// RFC 4180 CSV (separator ',', CRLF line ends, quoting as needed) or TSV (separator '\t').
std::unique_ptr<table_writer> make_csv_writer(sink& out, char separator = ',');

/// A DALI error document: a VOTable whose results RESOURCE holds only INFO QUERY_STATUS=ERROR
/// with the message (DALI 1.1 section 4.4.3).
void write_error_document(sink& out, std::string_view message);

/// A plain-text error body (text/plain; UTF-8), for endpoints and formats where the standard
/// asks for text rather than a VOTable (e.g. UWS /error, DALI responses in text formats).
void write_text_error(sink& out, std::string_view message);

/// An input parameter of a service descriptor (DataLink 1.1 section 4.4): a fixed `value`, a
/// `ref` to a FIELD's XML ID, or a user-chosen value described by its type and MIN/MAX/OPTIONS.
struct service_param {
    std::string name, datatype = "char", arraysize = "*", value, ref, ucd;
    std::string unit, xtype, description;
    std::optional<std::string> min, max;
    std::vector<std::string> options;
};
/// A service descriptor (DataLink 1.1 section 4): RESOURCE type="meta" utype="adhoc:service",
/// or utype="adhoc:this" for a service's own description (section 4.5).
struct service_resource {
    std::string xml_id;  ///< what a links row's service_def refers to; may be empty
    std::string name;    ///< RESOURCE name (SIA 2.0's self-description is name="this")
    std::string description, standard_id, access_url, content_type;
    std::vector<service_param> inputs;
    bool self = false;
};
/// The descriptor as XML: the one writer of descriptors (links documents, TAP and SIA results).
std::string service_descriptor(const service_resource& r);
/// The same for the common case: a standard service and its inputs.
std::string service_descriptor(std::string_view id, std::string_view access_url, std::string_view standard_id,
                               const std::vector<service_param>& params, std::string_view name = {});

}  // namespace dax::votable
