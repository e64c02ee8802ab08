#pragma once
/// The demo images: a small deterministic set of FITS files that libdax writes on first start,
/// so the image services have real pixels with no configuration (README "Demo images").
#include <dax/error.hpp>

#include <span>
#include <string>
#include <vector>

namespace dax::image {

/// A source to paint: position (degrees) and magnitude (zero point 25: flux 10^(-0.4 (mag - 25))).
struct demo_source {
    double ra = 0, dec = 0, mag = 0;
};

/// The file names of the demo set, in order (20 files: demo-img-01.fits ... , every fourth a
/// multi-extension file, every fourth RICE-compressed .fits.fz).
std::vector<std::string> demo_image_names();

/// Writes the demo images missing from `dir` (created if needed) and returns every file's path.
/// The set covers plain TAN, rotated and TAN-SIP WCSs, multi-extension science/mask/variance
/// files and RICE tile compression, 256 x 256 or 256 x 192 pixels of 0.008 degrees, across the
/// RA 0/360 seam and near both poles; each image is sky + noise (deterministic) with `sources`
/// painted through the image's own WCS. OBSID = the file name without its extension.
/// `only` (file names) limits which are written: how a virtual demo image is made again.
result<std::vector<std::string>> write_demo_images(const std::string& dir, std::span<const demo_source> sources,
                                                   std::span<const std::string> only = {});

}  // namespace dax::image
