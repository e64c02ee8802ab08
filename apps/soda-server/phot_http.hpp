#pragma once
// Forced photometry on soda-server (issue 14 section 2): /phot/sync and the /phot/async task.
// Positions come as repeated POS ("ra dec") or as an uploaded table (UPLOAD, a VOTable or CSV
// with ra, dec and an optional id column); images as repeated ID (publisher DIDs of the image
// store) or by ObsCore filters (COLLECTION, BAND, TIME). One row per position x image covering
// it, in any TAP output format.
#include "../common/http_server.hpp"
#include "../common/virtual_files.hpp"

#include <dax/dali/params.hpp>
#include <dax/image/store.hpp>
#include <dax/sink.hpp>
#include <dax/tap/service.hpp>
#include <dax/uws/engine.hpp>

#include <functional>
#include <optional>
#include <string>

namespace dax::sodaserver {

struct phot_binding {
    std::string base = "/phot";
    const image::image_store* store = nullptr;
    const tap::service* svc = nullptr;  ///< ivoa.ObsCore, for COLLECTION, BAND and TIME
    std::function<std::optional<std::string>(const httplib::Request&)> identity;  ///< null: open
    http::virtual_files* virtual_files = nullptr;
};

/// The parameters a photometry request may have, checked (an async job's as it is posted).
std::optional<error> check_phot_parameters(const dali::parameters& p);

/// {sync}: GET or POST /phot/sync.
void add_phot_routes(http::server& server, const phot_binding& b);

/// The {async} task ("phot-forced"): the same rows as {sync}, one image at a time (ABORT is
/// honoured between images, progress in jobInfo).
uws::task_definition phot_task(const image::image_store& store, const tap::service& svc, const image::recipe_book* recipes = nullptr);

}  // namespace dax::sodaserver
