#pragma once
// Datasets chosen by ObsCore constraints, for the services of soda-server that work on many
// images at once: film strips (SODA {async} with no ID) and forced photometry (COLLECTION, BAND,
// TIME instead of IDs). The constraints are SIA 2.0's (dax/sia/query.hpp), so they mean what
// they mean at sia-server.
#include <dax/dali/params.hpp>
#include <dax/image/soda.hpp>
#include <dax/tap/service.hpp>

#include <string>
#include <vector>

namespace dax::sodaserver {

/// The ObsCore datasets (publisher DID, t_min) meeting the SIA 2.0 constraints `q` (POS, ID,
/// COLLECTION, BAND, TIME, ...), each once, in time order (unknown times last). More than `max`
/// is the usage error "UsageFault: more than {max} datasets {too_many}".
std::vector<image::strip_epoch> obscore_datasets(const tap::service& svc, const dali::parameters& q, std::size_t max,
                                                 const std::string& too_many);

}  // namespace dax::sodaserver
