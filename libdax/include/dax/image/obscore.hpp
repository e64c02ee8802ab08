#pragma once
/// FITS images described as ObsCore 1.1 datasets: what `dax-admin ingest-images` writes into
/// ivoa.ObsCore, from the headers alone (no pixels are read).
#include <dax/error.hpp>
#include <dax/geometry/sphere.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dax::image {

/// How files become rows (the `images:` section of the configuration).
struct ingest_settings {
    std::string collection = "images";  ///< obs_collection
    /// obs_publisher_did; {authority}, {collection} and {obs_id} are replaced.
    std::string did_template = "ivo://{authority}/{collection}?{obs_id}";
    std::string authority = "libdax.local";
    /// access_url; {obs_id}, {file} (the file's name) and {did} are replaced; empty: no URL.
    std::string access_url_template;
    /// access_format when access_url is not the file itself (a DataLink service:
    /// "application/x-votable+xml;content=datalink"); empty: the file's type.
    std::string access_format;
    /// FILTER value -> (em_min, em_max) in metres. Defaults: u g r i z y of the demo data.
    std::map<std::string, std::pair<double, double>, std::less<>> bands = default_bands();
    int calib_level = 2;
    std::string facility, instrument;  ///< when a header has no TELESCOP / INSTRUME
    double footprint_tolerance_px = 0.1;  ///< how far (pixels) a footprint edge may cut a bent pixel edge

    static std::map<std::string, std::pair<double, double>, std::less<>> default_bands();
};

/// One dataset: its ObsCore values and where its file is.
struct dataset {
    std::string path;            ///< the file, as given to ingestion
    int hdu = 0;                 ///< the science HDU (its WCS and shape)
    std::string format = "image/fits";
    std::uint64_t bytes = 0;
    std::string obs_id, did, access_url, title, target, facility, instrument, band;
    double ra = 0, dec = 0, fov = 0, pixel_scale_arcsec = 0;
    long xel1 = 0, xel2 = 0;
    long em_xel = 1, t_xel = 1, pol_xel = 1;  ///< pixels along a spectral, time, Stokes axis
    std::string pol_states;                   ///< "/I/Q/U/V/" of a Stokes axis, empty without one
    std::string dataproduct_type = "image";   ///< "cube" with more than one pixel on a third axis
    std::string recipe;                       ///< virtual: how the file is made again (image store)
    std::vector<geometry::lonlat> region;  ///< the true footprint, counter-clockwise
    std::optional<double> t_min, t_max, exptime, em_min, em_max;
};

/// Describes one FITS file (plain, multi-extension or tile-compressed): the science HDU is the
/// first image HDU with a celestial WCS; an extension inherits the primary header's keywords
/// (DATE-OBS, FILTER, ...) as INHERIT = T says. obs_id is the OBSID keyword, else the file's
/// name without .fits / .fits.fz / .fz. A cube's spectral, time and Stokes axes give em_min/em_max,
/// t_min/t_max and pol_states (and their _xel) where WCSLIB can convert them.
result<dataset> describe_fits(const std::string& path, const ingest_settings& settings);

/// The ivoa.ObsCore columns a dataset fills, in table order, and one row of their values as
/// CSV fields (empty: NULL; s_region as a DALI polygon in degrees).
const std::vector<std::string>& obscore_columns();
std::vector<std::string> obscore_values(const dataset& d, const ingest_settings& settings);

}  // namespace dax::image
