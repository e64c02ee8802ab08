#pragma once
#include "../common/tap_config.hpp"

#include <string>
#include <vector>

namespace dax::admin {

/// Describes the FITS files (and the FITS files below the directories) in `inputs`, merges
/// their rows into ivoa.ObsCore by publisher DID and records the files in the image store.
/// Returns the exit status: 0, 1 if some file failed (the others are ingested), 2 on bad setup.
int ingest_images(tapserver::server_config cfg, const std::vector<std::string>& inputs, const std::string& store_path);

}  // namespace dax::admin
