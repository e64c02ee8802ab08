#pragma once
/// SODA cutouts (SODA 1.0 sections 3.3 and 5): which pixels of an image a sky region covers, as
/// pure functions of the image's WCS. Writing the cutout file: dax/fits/cutout.hpp.
#include <dax/dali/shapes.hpp>
#include <dax/image/wcs.hpp>

#include <optional>
#include <string>

namespace dax::image {

/// A box of pixels on the two celestial axes, 1-based and inclusive (FITS pixel numbers).
struct pixel_box {
    long x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    long width() const { return x2 - x1 + 1; }
    long height() const { return y2 - y1 + 1; }
    bool operator==(const pixel_box&) const = default;
};

/// The pixels a region (SODA CIRCLE, POLYGON or POS = CIRCLE / RANGE / POLYGON, in ICRS degrees)
/// covers in an image, clipped to the image; nothing when it covers none (SODA 1.0 section 5.1:
/// 204 No Content).
///
/// The region's true spherical boundary is sampled (256 points on a circle, every great-circle
/// edge of a polygon and every side of a range in 64 steps: exact also for projections that bend
/// great circles, and for SIP and other distortions, which WCSLIB applies) and each sample
/// projected to pixels; a pole inside the region is added. The box is the min/max of those
/// pixel positions. Edge rule: pixel i spans [i - 0.5, i + 0.5): a region reaching x covers the
/// pixel whose span holds x, so a region touching the image only along its outer edge
/// (x = NAXIS1 + 0.5) covers nothing and one reaching x = 0.5 covers column 1.
/// A sample that does not project (behind a TAN plane, outside a SIN hemisphere) is never
/// dropped: if the region meets the image's footprint at all, the box is then the whole image
/// along both axes.
std::optional<pixel_box> cutout_box(const sky_wcs& wcs, const dali::shape& region);

/// The region as a short text for provenance cards ("CIRCLE 10 7 0.1").
std::string region_text(const dali::shape& region);

}  // namespace dax::image
