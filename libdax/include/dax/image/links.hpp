#pragma once
/// The DataLink links of an image dataset (DataLink 1.1 section 3; semantics from the IVOA
/// datalink vocabulary): #this (the file), #cutout (a SODA service descriptor with the dataset's
/// own VALUES), #preview (a PNG), #auxiliary (the other image HDUs of a multi-extension file: mask, variance),
/// the catalogue sources in the field as a TAP query (semantics #auxiliary, local_semantics
/// "counterpart": #counterpart is not in the core vocabulary validators know). What links-server serves,
/// and what a pipeline calls directly.
#include <dax/datalink/links.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/store.hpp>
#include <dax/votable/field.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dax::image {

/// Where the links point.
struct link_targets {
    /// The download URL of a dataset's file (signed by the server); "" gives no #this link.
    std::function<std::string(const stored_file&)> file_url;
    /// The URL of a dataset's PNG preview; "" or null gives no #preview link.
    std::function<std::string(const stored_file&)> preview_url;
    std::string soda_sync;  ///< SODA {sync} endpoint; "" gives no #cutout
    std::string tap_sync;   ///< TAP {sync} endpoint; "" gives no #counterpart
    /// The catalogue #counterpart queries (its position columns, degrees).
    std::string catalog_table = "demo.stars", ra_column = "ra", dec_column = "dec";
};

/// Appends the links of `id` to `rows` and the descriptors they refer to to `descriptors`. An
/// unknown ID gives one "NotFoundFault: ..." row with semantics #this, a malformed one (empty,
/// longer than 2,048 bytes, control characters) a "UsageFault: ..." row; a dataset whose file
/// cannot be read a #this row with its error. Descriptor XML IDs are "soda-" + `serial`.
void dataset_links(const image_store& store, const ingest_settings& settings, const std::string& id, const link_targets& targets,
                   int serial, std::vector<datalink::link>& rows, std::vector<datalink::service_descriptor>& descriptors);

/// The descriptors every image site puts on results holding obs_publisher_did (DataLink 1.1
/// section 4, in TAP and SIA results): a {links} descriptor at `links_url` and a SODA {sync}
/// cutout descriptor at `soda_url` (either may be empty: none), their ID referring to that column.
std::vector<datalink::descriptor_template> image_descriptors(const std::string& links_url, const std::string& soda_url);

}  // namespace dax::image
