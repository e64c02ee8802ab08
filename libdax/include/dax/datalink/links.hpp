#pragma once
/// DataLink 1.1 {links} documents: the table of links (section 3.2, every 1.1 column), service
/// descriptors (section 4) and the text/plain download manifest. Pure writers: what links a
/// dataset has is decided by the caller (dax/image/links.hpp for images).
#include <dax/sink.hpp>
#include <dax/votable/field.hpp>
#include <dax/votable/writer.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dax::datalink {

/// The media type of a {links} response (DataLink 1.1 section 3.1).
inline constexpr const char* media_type = "application/x-votable+xml;content=datalink";
inline constexpr const char* standard_id = "ivo://ivoa.net/std/DataLink#links-1.1";

/// One row: exactly one of access_url, service_def, error_message is set (section 3.2).
struct link {
    std::string id, access_url, service_def, error_message, description, semantics, content_type;
    std::optional<std::int64_t> content_length;
    std::string content_qualifier, local_semantics;
    std::string link_auth;                 ///< "false", "optional", "true" or "" (unknown)
    std::optional<bool> link_authorized;
};

/// Service descriptors: the one writer is VOTable's (dax/votable/writer.hpp).
using service_param = votable::service_param;
using service_descriptor = votable::service_resource;

/// A descriptor for results holding a column (as Rubin's datalinker manifest maps descriptor
/// templates to columns): `resource` is added to every result whose FIELDs include `column`;
/// its inputs whose ref is "$column" refer to that FIELD.
struct descriptor_template {
    /// A result column's name (any table's), or a published column "schema.table.column"
    /// (case-insensitive) that applies whatever the result calls it.
    std::string column;
    service_descriptor resource;
};

/// The XML of every template whose column `fields` hold, in template order; those FIELDs get an
/// XML ID (their name, made an XML name) for the refs. `sources` (per field, optional) names the
/// published column each field is (prepared_query::sources).
std::vector<std::string> apply_descriptors(std::vector<votable::field>& fields, std::span<const descriptor_template> templates,
                                           std::span<const std::string> sources = {});

/// Writes the {links} VOTable 1.4: INFO standardID, the links table (ID, access_url, service_def,
/// error_message, description, semantics, content_type, content_length, content_qualifier,
/// local_semantics, link_auth, link_authorized), INFO QUERY_STATUS OVERFLOW when `overflow`,
/// then the descriptors. Text is escaped; control characters are dropped.
void write_links(dax::sink& out, std::span<const link> links, std::span<const service_descriptor> descriptors, bool overflow);

/// One download URL per line (the access_url of every #this link), for scripted bulk download.
void write_manifest(dax::sink& out, std::span<const link> links);

}  // namespace dax::datalink
