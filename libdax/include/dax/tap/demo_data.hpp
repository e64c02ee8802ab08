#pragma once
/// The demo data served out of the box: the same bytes as the peers' generator
/// (shared/peers/data/gen_data.py), so libdax and DaCHS can be compared on identical data.
#include <cstdint>
#include <string>

namespace dax::tap {

/// stars.csv: id,ra,dec,mag_g,mag_r; `n` stars uniform on the sphere (seed 20240601).
std::string demo_stars_csv(int n = 100'000);
/// obscore.csv: `n` synthetic images with the ObsCore 1.1 columns (seed 20240602).
std::string demo_obscore_csv(int n = 1'000);

}  // namespace dax::tap
