#pragma once
/// Forced aperture photometry at given sky positions on a FITS image (issue 14 section 2): a
/// circular aperture with exact sub-pixel overlap, the local background from an annulus
/// (sigma-clipped median), the flux error from the VARIANCE HDU when there is one (else from
/// the background's scatter), and flags for edges, masked and saturated pixels. Positions go
/// through the image's full WCS (SIP and the rest, WCSLIB).
#include <dax/error.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dax::phot {

struct position {
    std::string id;
    double ra = 0, dec = 0;  ///< ICRS degrees
};

struct settings {
    double radius_arcsec = 3;
    double annulus_inner_arcsec = 0;  ///< 0: 2 x radius
    double annulus_outer_arcsec = 0;  ///< 0: 3 x radius
    double clip_sigma = 3;            ///< background: values beyond this many sigma are dropped,
    int clip_iterations = 5;          ///< iterated at most this often
    int hdu = -1;                     ///< the science HDU; -1: the first image with a celestial WCS
    /// Mask planes (MP_<name> keywords of the MASK HDU) that make a pixel unusable; a MASK without
    /// MP_ keywords: any non-zero value.
    std::vector<std::string> bad_planes = {"BAD", "SAT", "CR", "NO_DATA", "INTRP", "SUSPECT"};
};

/// Flag bits of a measurement.
enum flag : std::uint32_t {
    near_edge = 1,       ///< the aperture or annulus leaves the image (or touches an EDGE plane)
    masked = 2,          ///< a pixel of the aperture is masked or not finite (counted as background)
    saturated = 4,       ///< a pixel of the aperture is saturated (SAT plane or >= SATURATE)
    no_background = 8,   ///< fewer than 10 usable annulus pixels: background 0, error from the aperture
};

struct measurement {
    std::size_t index = 0;     ///< into the positions given
    std::string id;
    double ra = 0, dec = 0;
    double x = 0, y = 0;       ///< 1-based FITS pixel coordinates of the position
    double flux = 0, flux_err = 0;
    double background = 0;     ///< per pixel
    double area = 0;           ///< the aperture's area in pixels
    std::uint32_t flags = 0;
};

/// Measures every position whose aperture centre falls on the image (the others are left out).
/// A file that cannot be read, or has no celestial WCS, is an error.
result<std::vector<measurement>> forced(const std::string& path, std::span<const position> positions, const settings& s = {});

/// The area (pixels) of the overlap of the circle (centre cx, cy; radius r) with the rectangle
/// [x0, x1] x [y0, y1]: exact, by the circle's area below and left of each corner.
double circle_rect_overlap(double cx, double cy, double r, double x0, double y0, double x1, double y1);

}  // namespace dax::phot
