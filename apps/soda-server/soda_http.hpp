#pragma once
// The SODA 1.0 routes of soda-server: {sync} cutouts, the {async} task, VOSI capabilities and
// availability.
#include "../common/http_server.hpp"
#include "../common/virtual_files.hpp"

#include <dax/image/obscore.hpp>
#include <dax/image/store.hpp>
#include <dax/tap/service.hpp>
#include <dax/uws/engine.hpp>

#include <functional>
#include <optional>
#include <string>

namespace dax::sodaserver {

struct soda_binding {
    std::string base = "/soda";
    std::string public_url;                  ///< the site's public URL, empty: from the request
    const image::image_store* store = nullptr;  ///< where datasets' files are (never a request's path)
    image::ingest_settings images;           ///< band table for BAND (FILTER -> wavelengths)
    std::function<std::optional<std::string>(const httplib::Request&)> identity;  ///< null: open
    http::virtual_files* virtual_files = nullptr;  ///< makes virtual datasets' files (null: none)
};

/// {sync}, capabilities and availability (the {async} job list is the kit's UWS binding).
void add_soda_routes(http::server& server, const soda_binding& b);

/// The {async} task ("soda-cutout"): one result per combination of the job's parameters, or,
/// with no ID, a film strip of every image in `svc`'s ivoa.ObsCore that the region meets.
uws::task_definition soda_task(const image::image_store& store, const image::ingest_settings& images, const tap::service& svc,
                               const image::recipe_book* recipes = nullptr);

}  // namespace dax::sodaserver
