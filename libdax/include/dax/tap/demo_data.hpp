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

/// The demo's light curves (ours, not the peers'): visits.csv (visit_id,mjd,band,exptime), 40
/// visits alternating g and r over two years, and forced_sources.csv
/// (forced_id,star_id,visit_id,band,flux,flux_err; fluxes in nJy) for the first `stars` demo.stars on every
/// visit: the star's magnitude in the visit's band, every tenth star varying sinusoidally
/// (0.1-0.5 mag, periods 0.3-30 days), Gaussian noise of flux_err. Seed 20261201.
std::string demo_visits_csv();
std::string demo_forced_sources_csv(int stars = 1'000);

}  // namespace dax::tap
