#pragma once
/// SODA 1.0 requests on the datasets of an image store: the parameters (section 3), their
/// combinations ({async}: one result per combination, section 6), and one cutout written to a
/// sink. What soda-server's {sync} and {async} share, and what a pipeline calls directly.
#include <dax/dali/params.hpp>
#include <dax/dali/shapes.hpp>
#include <dax/error.hpp>
#include <dax/fits/cutout.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/store.hpp>
#include <dax/sink.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dax::image {

/// The parameters of a SODA request, every value checked.
struct soda_params {
    std::vector<std::string> ids;
    std::vector<dali::shape> regions;  ///< CIRCLE, POLYGON and POS values, in that order
    std::vector<dali::interval> bands, times;
    std::vector<std::string> pols;     ///< one filter: every value is a state the result may have
    std::vector<std::string> collections;  ///< COLLECTION: which datasets a film strip (no ID) takes
};

/// Reads ID, CIRCLE, POLYGON, POS, BAND, TIME, POL and COLLECTION (names in any case;
/// RESPONSEFORMAT must be application/fits, RUNID and the UWS job parameters are let through).
/// No ID asks for a film strip, which takes exactly one region. A bad value or an unknown
/// parameter is a usage error naming it ("UsageFault: ...").
result<soda_params> parse_soda(const dali::parameters& p);
/// The checks of parse_soda() that hold for a part of a request: names known, values valid. What
/// an {async} job's parameters must pass when they are posted (a PENDING job may get its ID later).
std::optional<error> check_soda_values(const dali::parameters& p);

/// One cutout: a dataset and at most one value of each cutout parameter.
struct soda_cutout {
    std::string id;
    std::optional<dali::shape> region;
    std::optional<dali::interval> band, time;
    std::vector<std::string> pols;
};

/// How many combinations soda_combinations() gives (SIZE_MAX when the count overflows): check it
/// before building them.
std::size_t soda_combination_count(const soda_params& p);

/// Every combination of ID x region x BAND x TIME (SODA 1.0 section 6), in that nesting order;
/// a parameter not given is one "any" value.
std::vector<soda_cutout> soda_combinations(const soda_params& p);

/// What a cutout gave.
enum class soda_outcome { written, no_pixels, not_found };

/// A cutout decided but not yet written: the dataset found, BAND/TIME/POL matched, the box
/// computed from its headers. What a server needs to choose between an in-memory reply and a
/// streamed one before any pixel is read.
struct soda_plan {
    soda_outcome outcome = soda_outcome::written;  ///< written: the cutout below is to be made
    std::string did, obs_id, path;
    fits::cutout_spec spec;
    std::uint64_t pixel_bytes = 0;  ///< the cutout's pixels in the science HDU
};

/// Plans the cutout of one combination (see write_soda_cutout).
result<soda_plan> plan_soda_cutout(const image_store& store, const ingest_settings& settings, const soda_cutout& c,
                                   double max_bytes = 1024.0 * 1024 * 1024);
/// The same plan for a FITS file outside any store (pipelines, the Python bindings): `hdu` is the
/// science HDU, or -1 for the one ingestion would take (the first image with a celestial WCS);
/// `c.id` names the file in errors and provenance ("" = its path).
result<soda_plan> plan_file_cutout(const std::string& path, int hdu, const soda_cutout& c, double max_bytes = 1024.0 * 1024 * 1024);
/// Writes a planned cutout; errors reading the file are internal errors naming the dataset.
/// Structural errors come before the first byte; a read error later ends the output short.
result<std::uint64_t> write_soda_plan(const soda_plan& plan, dax::sink& out);

/// Writes the cutout (dax/fits/cutout.hpp, with provenance cards) of one combination to `out`,
/// or tells why there is none: the ID is unknown to the store, or nothing is selected (region
/// off the image; BAND, TIME or POL that a 2-D image does not match). `max_bytes` bounds the
/// cutout per HDU (a usage error beyond). Errors reading the file are internal errors.
result<soda_outcome> write_soda_cutout(const image_store& store, const ingest_settings& settings, const soda_cutout& c,
                                       dax::sink& out, double max_bytes = 1024.0 * 1024 * 1024);

/// One epoch of a film strip: a dataset (publisher DID) and its start time (MJD).
struct strip_epoch {
    std::string id;
    std::optional<double> mjd;
};

/// A film strip (seed 000): the region cut from each dataset in `epochs` (in the order given,
/// by time), one IMAGE extension per dataset whose image the region meets, each with EXTNAME and
/// OBSID its obs_id and MJD-OBS its time; datasets missing from the store or whose file cannot
/// be read are left out. Returns the number of frames (0: nothing written). `cancelled` is
/// asked between frames (an aborted job).
result<std::size_t> write_soda_film_strip(const image_store& store, const std::vector<strip_epoch>& epochs, const dali::shape& region,
                                          dax::sink& out, const std::function<bool()>& cancelled = {},
                                          double max_bytes = 1024.0 * 1024 * 1024);

}  // namespace dax::image
