#pragma once
/// DataLink 1.1 {links} documents: the table of links (section 3.2, every 1.1 column), service
/// descriptors (section 4) and the text/plain download manifest. Pure writers: what links a
/// dataset has is decided by the caller (dax/image/links.hpp for images).
#include <dax/sink.hpp>

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

/// An input parameter of a service descriptor (section 4.4): a fixed `value`, a `ref` to a
/// FIELD's XML ID, or a user-chosen value described by its type and MIN/MAX/OPTIONS.
struct service_param {
    std::string name, datatype = "char", arraysize = "*", xtype, unit, ucd, value, ref, description;
    std::optional<std::string> min, max;
    std::vector<std::string> options;
};

/// A service descriptor: RESOURCE type="meta" utype="adhoc:service" (or adhoc:this for the
/// service's own description).
struct service_descriptor {
    std::string xml_id;       ///< what service_def refers to; may be empty
    std::string name, description, standard_id, access_url, content_type;
    std::vector<service_param> inputs;
    bool self = false;        ///< utype adhoc:this
};

/// Writes the {links} VOTable 1.4: INFO standardID, the links table (ID, access_url, service_def,
/// error_message, description, semantics, content_type, content_length, content_qualifier,
/// local_semantics, link_auth, link_authorized), INFO QUERY_STATUS OVERFLOW when `overflow`,
/// then the descriptors. Text is escaped; control characters are dropped.
void write_links(dax::sink& out, std::span<const link> links, std::span<const service_descriptor> descriptors, bool overflow);

/// One download URL per line (the access_url of every #this link), for scripted bulk download.
void write_manifest(dax::sink& out, std::span<const link> links);

/// Writes one service descriptor RESOURCE (also for TAP and SIA results carrying descriptors).
void write_descriptor(dax::sink& out, const service_descriptor& d);

}  // namespace dax::datalink
